import ArgumentParser

public struct EvalOrientationCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "orientation",
    abstract: "(not built yet)")

  public init() {}

  public func run() async throws {
    throw ValidationError("'orientation' is not built yet")
  }
}
