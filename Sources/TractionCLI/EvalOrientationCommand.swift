import ArgumentParser
import Foundation
import TractionCore

/// `traction eval orientation DIR`: scores the inclination estimator on BROAD trials.
public struct EvalOrientationCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "orientation",
    abstract: "Score the inclination estimator on BROAD trials (inclination RMSE in degrees).",
    discussion: """
      Runs the estimator over every .csv trial in DIR (BROAD CSV format, see \
      shared/datasets/broad/README.md) from its first sample, and scores the angle between the \
      estimated and the true vertical over the movement samples with ground truth. Prints one \
      line per trial (RMSE and largest error) and the unweighted mean of the RMSEs. A trial with \
      no ground truth (no movement sample with a true vertical) says so and is left out of the \
      mean ("rmse_deg": null in JSON); a non-finite IMU value, or a t_s that does not increase, \
      is an error naming file, line and column. A .csv in DIR that is not a regular file (a \
      FIFO) is an error.

      With --json, prints exactly one object:
        {"trials": [{"name": "01_…", "rmse_deg": 0.51}, …], "mean_rmse_deg": 0.7}

      Examples:
        traction eval orientation ../shared/datasets/broad
        traction eval orientation ../shared/datasets/broad --json
        traction eval orientation ../shared/datasets/broad --acc-time-constant 4
      """)

  @Argument(help: "Directory of BROAD trial CSV files.")
  var directory: String

  @Flag(help: "Print one JSON object instead of text.")
  var json = false

  @OptionGroup var filter: FusionFilterOptions

  public init() {}

  public func run() async throws {
    let parameters = try filter.parameters()
    let paths = try BROADTrial.trialPaths(in: directory)
    guard !paths.isEmpty else { throw CommandFailure("\(directory): no .csv files in this folder") }
    var scores: [OrientationEvaluation.TrialScore] = []
    for path in paths {
      // Listed, not named: a FIFO would wait for a writer for ever.
      if let kind = RecordingCompanions.notRegularFile(path) {
        throw CommandFailure(
          "\(path) is not a regular file but \(kind) (only regular files found in a folder are read)")
      }
      let trial = try BROADTrial.load(path: path)
      let score = OrientationEvaluation.score(trial, estimator: filter.makeEstimator(parameters))
      scores.append(score)
      if !json { print(Self.textLine(score)) }
    }
    let scored = scores.filter { $0.scoredSamples > 0 }
    if scored.isEmpty {
      throw CommandFailure(
        "\(directory): no trial has ground truth to score (a movement sample with gt_qw…gt_qz that are not nan)")
    }
    if json {
      print(Self.jsonReport(scores))
    } else {
      let mean = OrientationEvaluation.meanRMSE(scored)
      let without = scores.count - scored.count
      let note = without > 0 ? ", \(without) without ground truth left out" : ""
      print("\(pad("mean (\(scored.count) trials\(note))", 46)) rmse \(fixed(mean, 3))°")
    }
  }

  static func textLine(_ score: OrientationEvaluation.TrialScore) -> String {
    guard score.scoredSamples > 0 else {
      return "\(pad(score.name, 46)) no ground truth (no movement sample has a true vertical; not scored)"
    }
    return "\(pad(score.name, 46)) rmse \(fixed(score.rmseDegrees, 3))°  "
      + "max \(fixed(score.maxErrorDegrees, 2))°  (\(score.scoredSamples) samples)"
  }

  /// `{"trials": [{"name": …, "rmse_deg": …}], "mean_rmse_deg": …}` on one line. A trial without
  /// ground truth has `"rmse_deg": null` and is left out of the mean.
  static func jsonReport(_ scores: [OrientationEvaluation.TrialScore]) -> String {
    let trials = scores.map {
      "{\"name\": \(jsonString($0.name)), \"rmse_deg\": \(jsonNumber($0.rmseDegrees))}"
    }
    let mean = jsonNumber(OrientationEvaluation.meanRMSE(scores.filter { $0.scoredSamples > 0 }))
    return "{\"trials\": [\(trials.joined(separator: ", "))], \"mean_rmse_deg\": \(mean)}"
  }
}

/// Options that select and tune the estimator, shared by `eval orientation` and `bench fusion`.
/// The numbers take a value with a leading '-', so the range check says what is wrong with it.
struct FusionFilterOptions: ParsableArguments {
  @Option(help: "Estimator: 'inclination' (InclinationFilter) or 'complementary' (the baseline).")
  var estimator: String = "inclination"

  @Option(parsing: .unconditional, help: "Inclination filter: accelerometer low-pass time constant in seconds.")
  var accTimeConstant: Double = InclinationFilter.Parameters().accTimeConstant

  @Option(parsing: .unconditional, help: "Inclination filter: bias-estimation time constant in motion, seconds.")
  var biasTimeConstantMotion: Double = InclinationFilter.Parameters().biasTimeConstantMotion

  @Option(parsing: .unconditional, help: "Inclination filter: bias-estimation time constant at rest, seconds.")
  var biasTimeConstantRest: Double = InclinationFilter.Parameters().biasTimeConstantRest

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Inclination filter: latency of the IMU's samples in seconds; the output is predicted forward by it.",
      discussion:
        "Default: BROAD's IMU against its optical reference (\(BROADTrial.imuLatency * 1000) ms, measured on the development subset). 0 turns prediction off."
    ))
  var latency: Double = BROADTrial.imuLatency

  func validate() throws { _ = try parameters() }

  func parameters() throws -> InclinationFilter.Parameters {
    guard estimator == "inclination" || estimator == "complementary" else {
      throw ValidationError(
        "unknown estimator '\(estimator)' (use 'inclination' or 'complementary')")
    }
    for (name, value) in [
      ("--acc-time-constant", accTimeConstant),
      ("--bias-time-constant-motion", biasTimeConstantMotion),
      ("--bias-time-constant-rest", biasTimeConstantRest),
    ] where !(value > 0 && value.isFinite) {
      throw ValidationError("\(name) must be a positive number of seconds")
    }
    guard latency >= 0, latency < 1 else {
      throw ValidationError("--latency must be between 0 and 1 s")
    }
    var p = InclinationFilter.Parameters()
    p.accTimeConstant = accTimeConstant
    p.biasTimeConstantMotion = biasTimeConstantMotion
    p.biasTimeConstantRest = biasTimeConstantRest
    p.latency = latency
    return p
  }

  func makeEstimator(_ parameters: InclinationFilter.Parameters) -> any InclinationEstimator {
    estimator == "complementary"
      ? ComplementaryFilter() : InclinationFilter(parameters: parameters)
  }
}

func jsonString(_ s: String) -> String {
  var out = "\""
  for scalar in s.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    default:
      if scalar.value < 0x20 {
        out += String(format: "\\u%04x", scalar.value)
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
  }
  return out + "\""
}

func jsonNumber(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }

func fixed(_ x: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", x) }

private func pad(_ s: String, _ width: Int) -> String {
  s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}
