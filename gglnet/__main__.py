import sys

from gglnet.cli import main

sys.exit(main())
