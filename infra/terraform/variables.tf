variable "region" {
  type    = string
  default = "us-east-1"
}

variable "bucket" {
  type        = string
  description = "The bucket that holds the index (private; only CloudFront reads it)."
}

variable "prefix" {
  type        = string
  default     = "alpine"
  description = "The key prefix of the index: wheelhouse publish --target s3://BUCKET/PREFIX."
}

variable "github_repository" {
  type        = string
  description = "owner/name of the repository whose scheduled workflow publishes."
}

variable "create_github_oidc_provider" {
  type    = bool
  default = true
}

variable "allow_prune" {
  type        = bool
  default     = false
  description = "Let the publisher delete objects (wheelhouse prune)."
}
