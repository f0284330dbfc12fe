import ArgumentParser

public struct ReplayCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "replay",
    abstract: "(not built yet)")

  public init() {}

  public func run() async throws {
    throw ValidationError("'replay' is not built yet")
  }
}
