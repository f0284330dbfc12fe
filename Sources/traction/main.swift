import ArgumentParser
import TractionCLI

// In top-level code the compiler picks the synchronous `main()`/`run()` overloads, which for an
// async command only print "needs availability annotation" or the help; inside an async function
// it picks the async ones.
func runTraction() async {
  do {
    var command = try TractionCommand.parseAsRoot()
    if var asyncCommand = command as? AsyncParsableCommand {
      try await asyncCommand.run()
    } else {
      try command.run()
    }
  } catch {
    TractionCommand.exit(withError: error)
  }
}

await runTraction()
