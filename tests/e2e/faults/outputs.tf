# Every output of the module, whatever its names: the test reads the failure destination from
# whichever outputs the module has (failure_queue_url or failure_bucket_name).
output "module" {
  description = "All outputs of the insert_trigger module."
  value       = module.insert_trigger
}
