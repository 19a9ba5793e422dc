# Values of this environment. Replace the example values before the first apply
# (docs/deploy-aws.md, "First deployment").
domain_name       = "upwatch.example.com"
github_repository = "example-org/upwatch"
state_bucket_name = "example-org-terraform-state"
image_tag         = "0000000000000000000000000000000000000000"
