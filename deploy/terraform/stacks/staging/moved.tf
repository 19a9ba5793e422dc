# State of the stacks before the wiring moved into modules/upwatch: keep every resource in place.

moved {
  from = module.kms
  to   = module.upwatch.module.kms
}

moved {
  from = module.network
  to   = module.upwatch.module.network
}

moved {
  from = module.archive
  to   = module.upwatch.module.archive
}

moved {
  from = module.database
  to   = module.upwatch.module.database
}

moved {
  from = module.queues
  to   = module.upwatch.module.queues
}

moved {
  from = module.waf
  to   = module.upwatch.module.waf
}

moved {
  from = module.load_balancer
  to   = module.upwatch.module.load_balancer
}

moved {
  from = module.status_site
  to   = module.upwatch.module.status_site
}

moved {
  from = module.registry
  to   = module.upwatch.module.registry
}

moved {
  from = module.cluster
  to   = module.upwatch.module.cluster
}

moved {
  from = module.api
  to   = module.upwatch.module.api
}

moved {
  from = module.scheduler
  to   = module.upwatch.module.scheduler
}

moved {
  from = module.worker
  to   = module.upwatch.module.worker
}

moved {
  from = module.jobs
  to   = module.upwatch.module.jobs
}

moved {
  from = module.scheduled_jobs
  to   = module.upwatch.module.scheduled_jobs
}

moved {
  from = module.monitoring
  to   = module.upwatch.module.monitoring
}

moved {
  from = module.ci
  to   = module.upwatch.module.ci
}

moved {
  from = aws_secretsmanager_secret.secret_key
  to   = module.upwatch.aws_secretsmanager_secret.secret_key
}

moved {
  from = aws_ssm_parameter.deploy
  to   = module.upwatch.aws_ssm_parameter.deploy
}
