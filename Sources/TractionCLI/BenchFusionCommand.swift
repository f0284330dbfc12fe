import ArgumentParser

public struct BenchFusionCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "fusion",
    abstract: "(not built yet)")

  public init() {}

  public func run() async throws {
    throw ValidationError("'fusion' is not built yet")
  }
}
