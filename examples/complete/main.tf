module "insert_trigger" {
  source = "../.."

  name       = var.name
  table_name = var.table_name

  # Failed inserts go to a private bucket by default; keep it on destroy while it holds any.
  failure_bucket_force_destroy = var.failure_bucket_force_destroy
}
