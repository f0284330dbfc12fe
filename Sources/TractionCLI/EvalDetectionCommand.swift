import ArgumentParser

public struct EvalDetectionCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "detection",
    abstract: "(not built yet)")

  public init() {}

  public func run() async throws {
    throw ValidationError("'detection' is not built yet")
  }
}
