################################################################################
# General
################################################################################

variable "name" {
  description = "Name of the function. Also names the role, the log group (/aws/lambda/<name>), the failure destination (<name>-failures...), the alarms and the dashboard. With create_function = false it names only the last three and the policy added to your role (insert-trigger-<name>)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits, hyphens and underscores (got \"${var.name}\"): it becomes the Lambda function name, which AWS limits to that set and length."
  }
}

variable "tags" {
  description = "Tags added to every resource the module creates."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Table and stream
################################################################################

variable "create_table" {
  description = "Create the table. When false, the module uses the existing table named table_name, whose stream must be on with a view that carries the new image."
  type        = bool
  default     = true
  nullable    = false
}

variable "table_name" {
  description = "Name of the table to create, or of the existing table when create_table is false."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.table_name))
    error_message = "table_name must be 3-255 characters of letters, digits, '_', '-' and '.' (got \"${var.table_name}\"): that is DynamoDB's rule for table names."
  }
}

variable "table_hash_key" {
  description = "Partition key attribute name of the created table."
  type        = string
  default     = "pk"
  nullable    = false

  validation {
    condition     = length(var.table_hash_key) >= 1 && length(var.table_hash_key) <= 255
    error_message = "table_hash_key must be 1-255 characters long: DynamoDB's limit for key attribute names."
  }
}

variable "table_hash_key_type" {
  description = "Type of the partition key: S (string), N (number) or B (binary)."
  type        = string
  default     = "S"
  nullable    = false

  validation {
    condition     = contains(["S", "N", "B"], var.table_hash_key_type)
    error_message = "table_hash_key_type must be one of S, N, B (got \"${var.table_hash_key_type}\"): the only scalar types DynamoDB allows for a key."
  }
}

variable "table_range_key" {
  description = "Sort key attribute name of the created table; null for a table with a partition key only."
  type        = string
  default     = null

  validation {
    condition     = try(length(var.table_range_key) >= 1 && length(var.table_range_key) <= 255, var.table_range_key == null)
    error_message = "table_range_key must be null or 1-255 characters long: DynamoDB's limit for key attribute names."
  }
}

variable "table_range_key_type" {
  description = "Type of the sort key: S (string), N (number) or B (binary). Used only with table_range_key."
  type        = string
  default     = "S"
  nullable    = false

  validation {
    condition     = contains(["S", "N", "B"], var.table_range_key_type)
    error_message = "table_range_key_type must be one of S, N, B (got \"${var.table_range_key_type}\"): the only scalar types DynamoDB allows for a key."
  }
}

variable "stream_view_type" {
  description = "What each stream record of the created table carries. NEW_IMAGE is enough: the handler reads the inserted item from NewImage."
  type        = string
  default     = "NEW_IMAGE"
  nullable    = false

  validation {
    condition     = contains(["NEW_IMAGE", "NEW_AND_OLD_IMAGES"], var.stream_view_type)
    error_message = "stream_view_type must be NEW_IMAGE or NEW_AND_OLD_IMAGES (got \"${var.stream_view_type}\"): KEYS_ONLY and OLD_IMAGE records carry no NewImage, so the handler would have no inserted item to process."
  }
}

variable "table_kms_key_arn" {
  description = "Customer managed KMS key for the created table's encryption; null uses the AWS managed key. The role may decrypt with it, which reading the stream needs."
  type        = string
  default     = null

  validation {
    condition     = var.table_kms_key_arn == null || can(regex("^arn:[a-z-]+:kms:", var.table_kms_key_arn))
    error_message = "table_kms_key_arn must be null or a KMS key ARN (arn:<partition>:kms:...)."
  }
}

variable "deletion_protection_enabled" {
  description = "Protect the created table from deletion: while true, DynamoDB refuses DeleteTable, so terraform destroy (or a change that replaces the table) fails instead of deleting every item in it. Set false and apply before a destroy you mean. Ignored with create_table = false."
  type        = bool
  default     = true
  nullable    = false
}

################################################################################
# Kinesis source
################################################################################

variable "stream_source" {
  description = "Where the mapping reads the table's changes: dynamodb, the table's own DynamoDB stream, or kinesis, a Kinesis data stream the table streams its changes to (Kinesis Data Streams for DynamoDB: retention up to 365 days, more readers, paid by the stream). With kinesis a table the module creates has no DynamoDB stream; an existing table's stream is left as it is."
  type        = string
  default     = "dynamodb"
  nullable    = false

  validation {
    condition     = contains(["dynamodb", "kinesis"], var.stream_source)
    error_message = "stream_source must be dynamodb or kinesis (got \"${var.stream_source}\"): the two ways DynamoDB publishes a table's changes, DynamoDB Streams and Kinesis Data Streams for DynamoDB."
  }
}

variable "kinesis_stream_arn" {
  description = "With stream_source = \"kinesis\": your own Kinesis data stream, which the table streams its changes to and the mapping reads; null creates one (on demand, encrypted with kms_key_arn or the AWS managed key, keeping records kinesis_retention_hours)."
  type        = string
  default     = null

  validation {
    condition     = var.kinesis_stream_arn == null || can(regex("^arn:[a-z-]+:kinesis:[a-z0-9-]+:[0-9]{12}:stream/[A-Za-z0-9_.-]{1,128}$", coalesce(var.kinesis_stream_arn, "-")))
    error_message = "kinesis_stream_arn must be null or a Kinesis data stream ARN (arn:<partition>:kinesis:<region>:<account>:stream/<name>, a name of 1-128 letters, digits, '_', '-' and '.')."
  }

  validation {
    condition     = var.kinesis_stream_arn == null || var.stream_source == "kinesis"
    error_message = "kinesis_stream_arn applies only with stream_source = \"kinesis\" (stream_source is \"${var.stream_source}\"): set stream_source = \"kinesis\" to read the table's changes from that stream, or remove kinesis_stream_arn."
  }
}

variable "kinesis_retention_hours" {
  description = "Hours the Kinesis data stream the module creates keeps records, 24 to 8760 (365 days). Retention past 24 hours is charged per shard-hour (on demand: per GB stored); it is also how long an SQS or SNS failure record can be redriven."
  type        = number
  default     = 24
  nullable    = false

  validation {
    condition     = var.kinesis_retention_hours >= 24 && var.kinesis_retention_hours <= 8760 && floor(var.kinesis_retention_hours) == var.kinesis_retention_hours
    error_message = "kinesis_retention_hours must be a whole number of hours from 24 to 8760 (got ${var.kinesis_retention_hours}): Kinesis Data Streams keeps records from 1 to 365 days."
  }

  validation {
    condition     = var.kinesis_retention_hours == 24 || (var.stream_source == "kinesis" && var.kinesis_stream_arn == null)
    error_message = "kinesis_retention_hours applies only to the Kinesis data stream the module creates (stream_source = \"kinesis\" without kinesis_stream_arn): otherwise it must keep its default, 24. Set the retention of your own stream on that stream."
  }
}

variable "kinesis_consumer" {
  description = "With stream_source = \"kinesis\": register an enhanced fan-out consumer (named name) on the Kinesis data stream and have the mapping read through it, with its own 2 MB/s per shard pushed over HTTP/2 instead of a share of the stream's reads. Kinesis charges for the data read through it. Turning it on or off replaces the mapping, which starts again at starting_position (see the README)."
  type        = bool
  default     = false
  nullable    = false

  validation {
    condition     = !var.kinesis_consumer || var.stream_source == "kinesis"
    error_message = "kinesis_consumer applies only with stream_source = \"kinesis\" (stream_source is \"${var.stream_source}\"): set stream_source = \"kinesis\" to read the table's changes through an enhanced fan-out consumer, or remove kinesis_consumer."
  }
}

################################################################################
# Function
################################################################################

variable "create_function" {
  description = "Create the function, its role and its log group. false attaches the mapping to your own function (function_name) and adds one policy, for the stream and the failure destination, to its role (function_role_name); the inputs that only shape a created function must then keep their defaults."
  type        = bool
  default     = true
  nullable    = false
}

variable "function_name" {
  description = "With create_function = false: name or ARN of your function (an ARN with a version or alias attaches to it). Its handler must process only INSERTs and return partial-batch responses; insert_trigger.process_inserts does both."
  type        = string
  default     = null

  validation {
    condition     = var.create_function || var.function_name != null
    error_message = "function_name is required with create_function = false: the name or ARN of your function, which the mapping invokes."
  }

  validation {
    condition     = !var.create_function || var.function_name == null
    error_message = "function_name applies only with create_function = false; the function the module creates is named by name. Remove function_name, or set create_function = false to attach to your own function."
  }

  validation {
    condition     = var.function_name == null || can(regex("^([A-Za-z0-9_-]{1,64}|arn:[a-z-]+:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?)$", coalesce(var.function_name, "-")))
    error_message = "function_name must be a Lambda function name (1-64 letters, digits, hyphens and underscores) or a function ARN (arn:<partition>:lambda:<region>:<account>:function:<name>, optionally :<version or alias>)."
  }
}

variable "function_role_name" {
  description = "With create_function = false: name (not ARN) of your function's execution role. The module adds one inline policy to it (stream reads, failure destination writes) and removes only that on destroy."
  type        = string
  default     = null

  validation {
    condition     = var.create_function || var.function_role_name != null
    error_message = "function_role_name is required with create_function = false: the name of your function's execution role, which must be allowed to read the stream."
  }

  validation {
    condition     = !var.create_function || var.function_role_name == null
    error_message = "function_role_name applies only with create_function = false; the module creates the role of its own function. Remove function_role_name, or set create_function = false to attach to your own function."
  }

  validation {
    condition     = var.function_role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", coalesce(var.function_role_name, "-")))
    error_message = "function_role_name must be an IAM role name, 1-64 letters, digits and +=,.@_- characters; for a role ARN, give the part after the last \"/\"."
  }
}

variable "package_path" {
  description = "Path to the function's zip. null uses the handler package shipped with the module. A zip of your own must contain the insert_trigger package (its handler is insert_trigger.lambda_handler) next to your processor module."
  type        = string
  default     = null

  validation {
    condition     = var.package_path == null || can(filebase64sha256(coalesce(var.package_path, "-")))
    error_message = "package_path must be null or the path of a readable zip file; the file was not found."
  }

  validation {
    condition     = var.create_function || var.package_path == null
    error_message = "package_path applies only to a function the module creates: with create_function = false it must keep its default, null. Set it on your own function instead."
  }
}

variable "runtime" {
  description = "Lambda runtime of the function: python3.12, python3.13 or python3.14. The handler's unit tests run on Python 3.12 and 3.13, its end-to-end tests on 3.13; none has run on 3.14, which needs AWS provider 6.20 or later. The zip holds Python 3.13 bytecode: other runtimes compile the package at each cold start."
  type        = string
  default     = "python3.13"
  nullable    = false

  validation {
    condition     = contains(["python3.12", "python3.13", "python3.14"], var.runtime)
    error_message = "runtime must be one of python3.12, python3.13, python3.14 (got \"${var.runtime}\"): the handler needs Python 3.12 or later. Its tests ran on 3.12 and 3.13 only; python3.14 needs AWS provider 6.20 or later."
  }

  validation {
    condition     = var.create_function || var.runtime == "python3.13"
    error_message = "runtime applies only to a function the module creates: with create_function = false it must keep its default, \"python3.13\". Set it on your own function instead."
  }
}

variable "architectures" {
  description = "Instruction set of the function: [\"arm64\"] or [\"x86_64\"]."
  type        = list(string)
  default     = ["arm64"]
  nullable    = false

  validation {
    condition     = length(var.architectures) == 1 && alltrue([for a in var.architectures : contains(["arm64", "x86_64"], a)])
    error_message = "architectures must be exactly one of [\"arm64\"] or [\"x86_64\"]: Lambda takes a single architecture per function."
  }

  validation {
    condition     = var.create_function || var.architectures == tolist(["arm64"])
    error_message = "architectures applies only to a function the module creates: with create_function = false it must keep its default, [\"arm64\"]. Set it on your own function instead."
  }
}

variable "memory_size" {
  description = "Memory of the function in MB."
  type        = number
  default     = 256
  nullable    = false

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240: Lambda's range."
  }

  validation {
    condition     = var.create_function || var.memory_size == 256
    error_message = "memory_size applies only to a function the module creates: with create_function = false it must keep its default, 256. Set it on your own function instead."
  }
}

variable "timeout" {
  description = "Timeout of one invocation in seconds."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds from 1 to 900: Lambda's range."
  }

  validation {
    condition     = var.create_function || var.timeout == 30
    error_message = "timeout applies only to a function the module creates: with create_function = false it must keep its default, 30. Set it on your own function instead."
  }
}

variable "environment_variables" {
  description = "Environment variables of the function. INSERT_PROCESSOR (\"module:function\") names the processor each inserted item is handed to."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k in keys(var.environment_variables) : can(regex("^[A-Za-z][A-Za-z0-9_]*$", k))])
    error_message = "environment_variables keys must start with a letter and hold only letters, digits and underscores: Lambda's rule for variable names."
  }

  validation {
    condition     = !contains(keys(var.environment_variables), "INSERT_PROCESSOR") || can(regex("^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_]*$", lookup(var.environment_variables, "INSERT_PROCESSOR", "")))
    error_message = "environment_variables.INSERT_PROCESSOR must have the form \"module:function\" (for example \"orders.processor:handle\"): the handler imports the module and calls the function for each inserted item."
  }

  validation {
    condition     = !contains(keys(var.environment_variables), "HANDLER_METRICS")
    error_message = "environment_variables.HANDLER_METRICS is set by the module: use handler_metrics = true (or false) instead, which also adds the handler's widgets to the dashboard."
  }

  validation {
    condition     = var.create_function || length(var.environment_variables) == 0
    error_message = "environment_variables applies only to a function the module creates: with create_function = false it must keep its default, {}. Set it on your own function instead."
  }

  validation {
    condition     = !var.idempotency || length([for k in keys(var.environment_variables) : k if startswith(k, "IDEMPOTENCY_")]) == 0
    error_message = "environment_variables must not set IDEMPOTENCY_TABLE, IDEMPOTENCY_KEY_ATTRIBUTES or IDEMPOTENCY_RETENTION_DAYS with idempotency = true: the module sets them from idempotency_table_name, idempotency_key_attributes and idempotency_retention_days."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for the function; -1 leaves it unreserved, 0 stops all invocations."
  type        = number
  default     = -1
  nullable    = false

  validation {
    condition     = var.reserved_concurrent_executions >= -1 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions
    error_message = "reserved_concurrent_executions must be -1 (unreserved) or a whole number >= 0."
  }

  validation {
    condition     = var.create_function || var.reserved_concurrent_executions == -1
    error_message = "reserved_concurrent_executions applies only to a function the module creates: with create_function = false it must keep its default, -1. Set it on your own function instead."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing of the function: PassThrough or Active. Active also grants the role the two X-Ray write actions."
  type        = string
  default     = "PassThrough"
  nullable    = false

  validation {
    condition     = contains(["PassThrough", "Active"], var.tracing_mode)
    error_message = "tracing_mode must be PassThrough or Active (got \"${var.tracing_mode}\"): Lambda's two tracing modes."
  }

  validation {
    condition     = var.create_function || var.tracing_mode == "PassThrough"
    error_message = "tracing_mode applies only to a function the module creates: with create_function = false it must keep its default, \"PassThrough\". Set it on your own function instead."
  }
}

variable "layers" {
  description = "ARNs of layer versions added to the function."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.layers) <= 5
    error_message = "layers must list at most 5 layer versions: Lambda's limit per function."
  }

  validation {
    condition     = var.create_function || length(var.layers) == 0
    error_message = "layers applies only to a function the module creates: with create_function = false it must keep its default, []. Set it on your own function instead."
  }
}

variable "vpc_subnet_ids" {
  description = "Subnets to run the function in; empty runs it outside any VPC. Set together with vpc_security_group_ids."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = var.create_function || length(var.vpc_subnet_ids) == 0
    error_message = "vpc_subnet_ids applies only to a function the module creates: with create_function = false it must keep its default, []. Set it on your own function instead."
  }
}

variable "vpc_security_group_ids" {
  description = "Security groups of the function inside the VPC. Set together with vpc_subnet_ids."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = (length(var.vpc_subnet_ids) == 0) == (length(var.vpc_security_group_ids) == 0)
    error_message = "vpc_subnet_ids and vpc_security_group_ids must be set together (both empty, or both non-empty): Lambda needs both to attach the function to a VPC."
  }

  validation {
    condition     = var.create_function || length(var.vpc_security_group_ids) == 0
    error_message = "vpc_security_group_ids applies only to a function the module creates: with create_function = false it must keep its default, []. Set it on your own function instead."
  }
}

variable "log_retention_in_days" {
  description = "Days the function's log group keeps its events; 0 keeps them forever."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653: the values CloudWatch Logs accepts."
  }

  validation {
    condition     = var.create_function || var.log_retention_in_days == 30
    error_message = "log_retention_in_days applies only to a function the module creates: with create_function = false it must keep its default, 30. Set it on your own function instead."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the log group (of a created function), the failure destination the module creates (bucket or queue) and, with stream_source = \"kinesis\", the Kinesis data stream (the module's, or yours if it uses this key); null uses AWS managed encryption. Its key policy must let CloudWatch Logs use it; the role is granted what writing to the destination and reading the Kinesis stream need."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:[a-z-]+:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key ARN (arn:<partition>:kms:...)."
  }
}

################################################################################
# Event source mapping
################################################################################

variable "new_image_pattern" {
  description = "Optional content filter: a JSON object matched against dynamodb.NewImage, AND-ed with the INSERT filter in one pattern. Example: {\"status\":{\"S\":[\"NEW\"]}}."
  type        = string
  default     = null

  validation {
    condition     = var.new_image_pattern == null || try(length(keys(jsondecode(coalesce(var.new_image_pattern, "-")))) > 0, false)
    error_message = "new_image_pattern must be a non-empty JSON object, such as {\"status\":{\"S\":[\"NEW\"]}}: it is placed under dynamodb.NewImage in the filter pattern."
  }

  # Every path must end in a non-empty array of match values, as in AWS's filter syntax. Images
  # nest; five levels reach a map attribute inside a map attribute.
  validation {
    condition = var.new_image_pattern == null || !can(keys(jsondecode(coalesce(var.new_image_pattern, "-")))) || try(alltrue(flatten([
      for v1 in values(jsondecode(var.new_image_pattern)) : can(keys(v1)) && length(v1) > 0 ? tolist(flatten([
        for v2 in values(v1) : can(keys(v2)) && length(v2) > 0 ? tolist(flatten([
          for v3 in values(v2) : can(keys(v3)) && length(v3) > 0 ? tolist(flatten([
            for v4 in values(v3) : can(keys(v4)) && length(v4) > 0 ? tolist(flatten([
              for v5 in values(v4) : !can(keys(v5)) && can(v5[0])
            ])) : tolist([!can(keys(v4)) && can(v4[0])])
          ])) : tolist([!can(keys(v3)) && can(v3[0])])
        ])) : tolist([!can(keys(v2)) && can(v2[0])])
      ])) : tolist([!can(keys(v1)) && can(v1[0])])
    ])), false)
    error_message = "new_image_pattern must end every path in a non-empty array of match values (nested at most 5 levels), such as {\"status\":{\"S\":[\"NEW\"]}}: a bare value or an empty array is not a valid filter and AWS would reject or never match it."
  }
}

variable "batch_size" {
  description = "Most records in one invocation."
  type        = number
  default     = 100
  nullable    = false

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000 && floor(var.batch_size) == var.batch_size
    error_message = "batch_size must be a whole number from 1 to 10000: AWS's range for DynamoDB stream mappings."
  }
}

variable "maximum_batching_window_in_seconds" {
  description = "Seconds the mapping may wait to fill a batch before invoking."
  type        = number
  default     = 0
  nullable    = false

  validation {
    condition     = var.maximum_batching_window_in_seconds >= 0 && var.maximum_batching_window_in_seconds <= 300 && floor(var.maximum_batching_window_in_seconds) == var.maximum_batching_window_in_seconds
    error_message = "maximum_batching_window_in_seconds must be a whole number from 0 to 300: AWS's range."
  }
}

variable "starting_position" {
  description = "Where a new mapping starts reading the stream: LATEST (only new records) or TRIM_HORIZON (the oldest record still in the stream, up to 24 hours back)."
  type        = string
  default     = "LATEST"
  nullable    = false

  validation {
    condition     = contains(["LATEST", "TRIM_HORIZON"], var.starting_position)
    error_message = "starting_position must be LATEST or TRIM_HORIZON (got \"${var.starting_position}\"): the positions AWS allows for a DynamoDB stream (AT_TIMESTAMP is for Kinesis only)."
  }
}

variable "maximum_retry_attempts" {
  description = "Retries of a failing batch before its records go to the failure destination; -1 retries until the record expires. Finite by default, so one bad item cannot stall its shard for a day."
  type        = number
  default     = 5
  nullable    = false

  validation {
    condition     = var.maximum_retry_attempts >= -1 && var.maximum_retry_attempts <= 10000 && floor(var.maximum_retry_attempts) == var.maximum_retry_attempts
    error_message = "maximum_retry_attempts must be a whole number from -1 (retry until the record expires) to 10000: AWS's range."
  }
}

variable "maximum_record_age_in_seconds" {
  description = "Oldest record the mapping still sends to the function; older ones go to the failure destination. -1 means no limit (the stream keeps records 24 hours)."
  type        = number
  default     = -1
  nullable    = false

  validation {
    condition     = var.maximum_record_age_in_seconds == -1 || (var.maximum_record_age_in_seconds >= 60 && var.maximum_record_age_in_seconds <= 604800 && floor(var.maximum_record_age_in_seconds) == var.maximum_record_age_in_seconds)
    error_message = "maximum_record_age_in_seconds must be -1 (no limit) or a whole number from 60 to 604800: AWS's range."
  }
}

variable "bisect_batch_on_function_error" {
  description = "Split a failing batch in two and retry each half, isolating a bad record sooner."
  type        = bool
  default     = true
  nullable    = false
}

variable "parallelization_factor" {
  description = "Concurrent batches per shard. Above 1, records with the same partition key stay in order but records across keys do not."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.parallelization_factor >= 1 && var.parallelization_factor <= 10 && floor(var.parallelization_factor) == var.parallelization_factor
    error_message = "parallelization_factor must be a whole number from 1 to 10: AWS's range."
  }
}

variable "enabled" {
  description = "Whether the mapping reads the stream. false pauses delivery; records stay in the stream for 24 hours."
  type        = bool
  default     = true
  nullable    = false
}

variable "filter_criteria_kms_key_arn" {
  description = "Customer managed KMS key Lambda uses to encrypt the mapping's filter criteria; null uses an AWS owned key."
  type        = string
  default     = null

  validation {
    condition     = var.filter_criteria_kms_key_arn == null || can(regex("^arn:[a-z-]+:kms:", var.filter_criteria_kms_key_arn))
    error_message = "filter_criteria_kms_key_arn must be null or a KMS key ARN (arn:<partition>:kms:...)."
  }
}

variable "metrics" {
  description = "Event source mapping metrics to turn on. EventCount publishes PolledEventCount and FilteredOutEventCount, which show what the filter saves, and OnFailureDestinationDeliveredEventCount and DroppedEventCount, which the failure alarms read (CloudWatch charges for them); [] turns them off."
  type        = list(string)
  default     = ["EventCount"]
  nullable    = false

  validation {
    condition     = alltrue([for m in var.metrics : m == "EventCount"])
    error_message = "metrics may only contain \"EventCount\": the one metrics group AWS offers for stream mappings."
  }
}

################################################################################
# Failure destination
################################################################################

variable "failure_destination" {
  description = "Kind of failure destination the module creates when on_failure_destination_arn is null: s3, a private bucket that keeps each failed batch with its records, or sqs, a queue that keeps only the batch's shard and sequence range."
  type        = string
  default     = "s3"
  nullable    = false

  validation {
    condition     = contains(["s3", "sqs"], var.failure_destination)
    error_message = "failure_destination must be s3 or sqs: the kinds of destination the module can create (set on_failure_destination_arn to use an SNS topic or a destination of your own)."
  }
}

variable "on_failure_destination_arn" {
  description = "Your own SQS queue, SNS topic or S3 bucket that receives the batches that ran out of retries; null creates the destination failure_destination names."
  type        = string
  default     = null

  validation {
    condition     = var.on_failure_destination_arn == null || can(regex("^arn:[a-z-]+:((sqs|sns):[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]+|s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$", coalesce(var.on_failure_destination_arn, "-")))
    error_message = "on_failure_destination_arn must be null or the ARN of an SQS queue, SNS topic or S3 bucket (arn:<partition>:sqs:<region>:<account>:<name>, arn:<partition>:sns:<region>:<account>:<name> or arn:<partition>:s3:::<bucket>): the on-failure destinations AWS allows for a DynamoDB stream mapping."
  }
}

variable "failure_retention_days" {
  description = "Days the destination the module creates keeps a failed batch: the bucket expires its objects after this many days; a queue keeps messages at most 14 days, SQS's limit."
  type        = number
  default     = 14
  nullable    = false

  validation {
    condition     = var.failure_retention_days >= 1 && var.failure_retention_days <= 3650 && floor(var.failure_retention_days) == var.failure_retention_days
    error_message = "failure_retention_days must be a whole number of days from 1 to 3650."
  }

  validation {
    condition     = var.failure_destination != "sqs" || var.on_failure_destination_arn != null || var.failure_retention_days <= 14
    error_message = "failure_retention_days must be at most 14 with failure_destination = \"sqs\": SQS keeps a message 14 days at most. Use failure_destination = \"s3\" to keep failed batches longer."
  }
}

variable "idempotency" {
  description = "Record each processed insert in an idempotency ledger (a DynamoDB table), so that a retry, a replay after a timeout or a redrive does not process it again. Off, every insert is processed at least once (see Delivery guarantees in the README)."
  type        = bool
  default     = false
  nullable    = false
}

variable "idempotency_table_name" {
  description = "An existing ledger table to use instead of creating <name>-idempotency: hash key id (string), TTL on expires_at, in the table's account and Region. If it is encrypted with a customer managed key, that key must be kms_key_arn, which the role is granted. Needs idempotency = true."
  type        = string
  default     = null

  validation {
    condition     = var.idempotency_table_name == null || can(regex("^[A-Za-z0-9_.-]{3,255}$", var.idempotency_table_name))
    error_message = "idempotency_table_name must be null or a DynamoDB table name: 3 to 255 characters of letters, digits, underscore, hyphen and dot."
  }

  validation {
    condition     = var.idempotency_table_name == null || var.idempotency
    error_message = "idempotency_table_name needs idempotency = true: without it the function uses no ledger. Set idempotency = true, or leave idempotency_table_name null."
  }
}

variable "idempotency_key_attributes" {
  description = "Item attributes that key the ledger instead of the record's eventID, for example [\"pk\", \"sk\", \"version\"]: the item's key plus an attribute that changes with each insert of it. Needed with a global table whose trigger may move to another replica, since each replica's stream gives the same insert another eventID. Empty (the default): the eventID, unique to each insert and the same on every delivery of it."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for name in var.idempotency_key_attributes : length(name) > 0 && length(name) <= 255 && !strcontains(name, ",")])
    error_message = "idempotency_key_attributes must hold attribute names of 1 to 255 characters without a comma (the handler reads them as one comma-separated list)."
  }

  validation {
    condition     = length(var.idempotency_key_attributes) == 0 || (var.idempotency && var.create_function)
    error_message = "idempotency_key_attributes needs idempotency = true and a function the module creates (create_function = true): it is set on that function as IDEMPOTENCY_KEY_ATTRIBUTES. With your own function, set that variable on it."
  }
}

variable "idempotency_retention_days" {
  description = "Days the ledger keeps an entry, through TTL. An insert can come back as long as the stream keeps it (24 hours) and then as long as the failure destination keeps its batch for a redrive (failure_retention_days), so the entry must outlive both: at least failure_retention_days + 1. null: exactly that."
  type        = number
  default     = null

  validation {
    condition     = var.idempotency_retention_days == null || try(var.idempotency_retention_days >= var.failure_retention_days + 1 && var.idempotency_retention_days <= 3651 && floor(var.idempotency_retention_days) == var.idempotency_retention_days, false)
    error_message = "idempotency_retention_days must be null or a whole number of days from failure_retention_days + 1 (the stream's 24 hours plus the time a failed batch can still be redriven) to 3651: a shorter ledger would let a redriven insert be processed again."
  }
}

variable "failure_bucket_force_destroy" {
  description = "Let terraform destroy delete the failure bucket while it still holds failed batches. false (the default) makes the destroy fail instead, so the only copy of failed inserts is never deleted by accident."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# Alarms
################################################################################

variable "create_alarms" {
  description = "Create CloudWatch alarms for stream lag (IteratorAge), function errors, records sent to the failure destination and records dropped. The last two read the mapping's own metrics, so metrics must include EventCount."
  type        = bool
  default     = false
  nullable    = false

  validation {
    condition     = !var.create_alarms || contains(var.metrics, "EventCount")
    error_message = "create_alarms = true needs metrics = [\"EventCount\"]: the failure alarms read the mapping's OnFailureDestinationDeliveredEventCount and DroppedEventCount metrics, which only EventCount publishes."
  }
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm fires or recovers (for example an SNS topic)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "iterator_age_alarm_threshold_seconds" {
  description = "Stream lag that raises the IteratorAge alarm: age in seconds of the newest record of the last batch."
  type        = number
  default     = 300
  nullable    = false

  validation {
    condition     = var.iterator_age_alarm_threshold_seconds >= 1 && var.iterator_age_alarm_threshold_seconds <= 86400
    error_message = "iterator_age_alarm_threshold_seconds must be from 1 to 86400: a stream keeps records for 24 hours, so a larger lag cannot happen."
  }
}

variable "handler_metrics" {
  description = "Handler metrics in CloudWatch's embedded metric format: the batch summary line also carries 6 custom metrics (namespace InsertTrigger, dimension FunctionName; CloudWatch charges for them). Sets HANDLER_METRICS=true on the function the module creates. With create_function = false, set HANDLER_METRICS=true on your function (or pass metrics=True to process_inserts); here it then adds their widgets to the dashboard."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# Dashboard
################################################################################

variable "create_dashboard" {
  description = "Create one CloudWatch dashboard (named name) for the whole path: stream lag, records polled and filtered out, invocations, errors, throttles and duration, the handler metrics (handler_metrics), records sent to the failure destination and dropped, and the alarms' state. The mapping widgets need metrics = [\"EventCount\"]."
  type        = bool
  default     = false
  nullable    = false
}
