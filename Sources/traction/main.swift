import TractionCLI

await TractionCommand.main()
