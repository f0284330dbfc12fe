import ArgumentParser

public struct RunCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "(not built yet)")

  public init() {}

  public func run() async throws {
    throw ValidationError("'run' is not built yet")
  }
}
