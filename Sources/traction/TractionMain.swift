import TractionCLI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#elseif canImport(Musl)
  import Musl
#endif

/// The `traction` executable: everything lives in TractionCLI so tests can drive the commands.
@main
enum TractionMain {
  static func main() async {
    exit(await TractionCommand.runFromCommandLine())
  }
}
