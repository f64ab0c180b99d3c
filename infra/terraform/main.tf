# The S3-backed index: a private bucket, CloudFront in front of it with origin access control
# (the only reader), PEP 503 HTML or PEP 691 JSON chosen by the client's Accept header at the
# edge, and a least-privilege publisher role that GitHub Actions assumes through OIDC.
# `wheelhouse publish --target s3://BUCKET/PREFIX` sets each object's Content-Type itself.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = var.region
}

resource "aws_s3_bucket" "index" {
  bucket = var.bucket
}

resource "aws_s3_bucket_public_access_block" "index" {
  bucket                  = aws_s3_bucket.index.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "index" {
  bucket = aws_s3_bucket.index.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "index" {
  bucket = aws_s3_bucket.index.id
  versioning_configuration {
    status = "Enabled" # an overwritten or deleted page can be restored
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "index" {
  bucket = aws_s3_bucket.index.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_cloudfront_origin_access_control" "index" {
  name                              = "${var.bucket}-oac"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# `/simple/NAME/` -> index.json for PEP 691 clients (pip >= 22.2, uv), else index.html.
resource "aws_cloudfront_function" "negotiate" {
  name    = "${replace(var.bucket, ".", "-")}-negotiate"
  runtime = "cloudfront-js-2.0"
  publish = true
  code    = <<-JS
    function handler(event) {
      var request = event.request;
      if (request.uri.endsWith("/")) {
        var accept = request.headers.accept ? request.headers.accept.value : "";
        var json = accept.indexOf("application/vnd.pypi.simple.v1+json") !== -1;
        request.uri += json ? "index.json" : "index.html";
      }
      request.uri = "/${var.prefix}" + request.uri;
      return request;
    }
  JS
}

resource "aws_cloudfront_cache_policy" "index" {
  name        = "${replace(var.bucket, ".", "-")}-pages"
  min_ttl     = 0
  default_ttl = 60
  max_ttl     = 31536000 # files are immutable (Cache-Control set at upload); pages revalidate
  parameters_in_cache_key_and_forwarded_to_origin {
    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "whitelist"
      headers {
        items = ["Accept"]
      }
    }
    query_strings_config {
      query_string_behavior = "none"
    }
    enable_accept_encoding_gzip   = true
    enable_accept_encoding_brotli = true
  }
}

resource "aws_cloudfront_distribution" "index" {
  enabled         = true
  is_ipv6_enabled = true
  comment         = "wheelhouse index ${var.bucket}/${var.prefix}"
  price_class     = "PriceClass_100"

  origin {
    domain_name              = aws_s3_bucket.index.bucket_regional_domain_name
    origin_id                = "index"
    origin_access_control_id = aws_cloudfront_origin_access_control.index.id
  }

  default_cache_behavior {
    target_origin_id       = "index"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    cache_policy_id        = aws_cloudfront_cache_policy.index.id
    compress               = true
    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.negotiate.arn
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}

# Only this distribution reads the bucket.
data "aws_iam_policy_document" "read_through_cdn" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.index.arn}/${var.prefix}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.index.arn]
    }
  }
}

resource "aws_s3_bucket_policy" "index" {
  bucket = aws_s3_bucket.index.id
  policy = data.aws_iam_policy_document.read_through_cdn.json
}

# The publisher: read and write objects under the prefix, nothing else (no s3:ListBucket, so
# S3 answers 403 for a missing key; wheelhouse reads that as "absent" once it has proven it
# can read). s3:DeleteObject only when prune is wanted.
data "aws_iam_policy_document" "publisher" {
  statement {
    actions = concat(
      ["s3:GetObject", "s3:PutObject"],
      var.allow_prune ? ["s3:DeleteObject"] : [],
    )
    resources = ["${aws_s3_bucket.index.arn}/${var.prefix}/*"]
  }
}

resource "aws_iam_openid_connect_provider" "github" {
  count           = var.create_github_oidc_provider ? 1 : 0
  url             = "https://token.actions.githubusercontent.com"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
}

data "aws_iam_policy_document" "assume_from_github" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:${var.github_repository}:ref:refs/heads/main"]
    }
  }
}

data "aws_caller_identity" "current" {}

resource "aws_iam_role" "publisher" {
  name               = "${replace(var.bucket, ".", "-")}-publisher"
  assume_role_policy = data.aws_iam_policy_document.assume_from_github.json
}

resource "aws_iam_role_policy" "publisher" {
  name   = "publish-index"
  role   = aws_iam_role.publisher.id
  policy = data.aws_iam_policy_document.publisher.json
}
