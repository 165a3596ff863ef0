# Input for tests/golden/small.sarif (see tests/test_sarif.py). Not a fixture: no markers.
resource "aws_kms_key" "short" {
  description             = "clé de test 🔑"
  deletion_window_in_days = 5
}

resource "aws_kms_key" "sandbox" { # kmslint:ignore KMS003 -- sandbox key, destroyed nightly
  enable_key_rotation = false
}
