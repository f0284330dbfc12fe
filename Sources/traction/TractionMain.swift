import TractionCLI

/// The `traction` executable: everything lives in TractionCLI so tests can drive the commands.
@main
enum TractionMain {
  static func main() async {
    await TractionCommand.main()
  }
}
