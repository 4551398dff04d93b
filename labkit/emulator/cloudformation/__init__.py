"""CloudFormation pieces moto lacks: the SAM transform, rollback, drift detection."""
