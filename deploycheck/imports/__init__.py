"""What an app imports and which distribution provides each import (for the DC5xx checks)."""
