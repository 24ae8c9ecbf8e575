import sys

from curse_of_memory.cli import main

sys.exit(main())
