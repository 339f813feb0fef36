from seedbed.cli.main import main

main()
