from livecart.cli import main

main()
