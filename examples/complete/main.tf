module "insert_trigger" {
  source = "../.."

  name       = var.name
  table_name = var.table_name
}
