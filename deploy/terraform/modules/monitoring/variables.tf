variable "name" {
  description = "Name prefix of the topic and alarms, e.g. upwatch-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,50}$", var.name))
    error_message = "name must be lowercase letters, digits or '-', starting with a letter."
  }
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the alarm topic (its policy must let cloudwatch.amazonaws.com use it)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be the ARN of a KMS key."
  }
}

variable "alarm_email_addresses" {
  description = "Addresses subscribed to the alarm topic (each confirms by mail). Chat and paging tools subscribe to the topic the same way, or through AWS Chatbot."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.alarm_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", a))])
    error_message = "alarm_email_addresses must be e-mail addresses."
  }
}

variable "load_balancer" {
  description = "CloudWatch dimensions of the load balancer and the api target group (their ARN suffixes)."
  type = object({
    arn_suffix              = string
    target_group_arn_suffix = string
  })
}

variable "ecs_services" {
  description = "Services watched for CPU, memory, CPU peaks and missing tasks, by role (api, scheduler, worker)."
  type = map(object({
    cluster_name = string
    service_name = string
  }))

  validation {
    condition     = length(var.ecs_services) > 0
    error_message = "Watch at least one service."
  }
}

variable "queues" {
  description = "Queues by name: the queue (oldest message age) and its dead-letter queue (depth)."
  type = map(object({
    queue_name = string
    dlq_name   = string
  }))
}

variable "database_cluster_id" {
  description = "Aurora cluster identifier (CPU and ACU utilisation)."
  type        = string
}

variable "alb_5xx_threshold" {
  description = "5xx responses (load balancer and targets together) in 5 minutes that raise the alarm."
  type        = number
  default     = 10
}

variable "alb_4xx_threshold" {
  description = "4xx responses in 5 minutes that raise the alarm (wrong ping URLs and expired sessions are normal; a flood is not)."
  type        = number
  default     = 1000
}

variable "ecs_cpu_high_threshold" {
  description = "Average CPU utilisation of a service, in percent, sustained over 15 minutes."
  type        = number
  default     = 85
}

variable "ecs_cpu_peak_threshold" {
  description = "Maximum CPU utilisation of a service, in percent, within one minute: the CPU-peak notification."
  type        = number
  default     = 95
}

variable "ecs_memory_high_threshold" {
  description = "Average memory utilisation of a service, in percent, sustained over 15 minutes."
  type        = number
  default     = 85
}

variable "queue_oldest_message_age_threshold" {
  description = "Seconds the oldest message may wait in a queue: a larger age means workers fall behind (checks run late)."
  type        = number
  default     = 300
}

variable "database_cpu_threshold" {
  description = "Aurora CPU utilisation in percent, over 15 minutes."
  type        = number
  default     = 80
}

variable "database_acu_threshold" {
  description = "Aurora ACU utilisation (capacity used over the maximum) in percent, over 15 minutes: time to raise max_capacity."
  type        = number
  default     = 90
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
}
