import ArgumentParser

public struct SimulateCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "simulate",
    abstract: "(not built yet)")

  public init() {}

  public func run() async throws {
    throw ValidationError("'simulate' is not built yet")
  }
}
