"""Database backups: `upwatch backup` and `upwatch restore`, to a folder or an S3 prefix."""
