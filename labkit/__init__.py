"""labkit: the small library the serverless-in-production notebooks, labs and grader stand on."""
import sys as _sys

__version__ = "0.1.0"

# Windows: the kit runs inside WSL2 (a real Linux, the platform CI tests), not natively. No
# Windows machine tests the native paths, so a native start stops here, before anything half
# works. README, "Windows", says why and how.
WINDOWS_MESSAGE = (
    "labkit runs on Windows inside WSL2, not natively. In PowerShell: `wsl --install -d Ubuntu`,\n"
    "restart, open Ubuntu, then: `sudo apt-get install -y make python3-venv git`, clone the kit\n"
    "inside Ubuntu (not under /mnt/c) and run `make lab`. Open the URL it prints in your Windows\n"
    "browser. (README: Windows.)")

if _sys.platform == "win32":
    raise SystemExit(WINDOWS_MESSAGE)
