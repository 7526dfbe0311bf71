from nnexp.cli.app import main

main()
