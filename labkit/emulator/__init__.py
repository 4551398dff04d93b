"""The embedded backend: moto in server mode, our patches, a real Lambda runtime, pollers."""
