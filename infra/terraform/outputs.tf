output "index_url" {
  value       = "https://${aws_cloudfront_distribution.index.domain_name}/simple/"
  description = "pip install --index-url (or --extra-index-url) this."
}

output "publisher_role_arn" {
  value       = aws_iam_role.publisher.arn
  description = "WHEELHOUSE_PUBLISH_ROLE for the workflow."
}

output "target" {
  value = "s3://${var.bucket}/${var.prefix}"
}
