import ArgumentParser
import Foundation
import TractionCore

/// `traction bench fusion --data FILE`: throughput of the inclination estimator.
public struct BenchFusionCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "fusion",
    abstract: "Measure the inclination estimator's throughput in samples per second.",
    discussion: """
      Loads the IMU columns (t_s, acc_x…acc_z, gyr_x…gyr_z, found by name) of FILE, a BROAD \
      trial CSV or a traction recording (its '#' metadata lines are skipped; t_s must increase; \
      this bench does not check the recording's other rules), then runs a fresh estimator over \
      all samples --runs times (1–1000), writing the vertical of every sample to an output array \
      as a batch update would. Parsing is not timed. Prints the best run in samples per second (one core).

      Build with `swift build -c release` for meaningful figures.

      Examples:
        traction bench fusion --data ../shared/datasets/broad/01_undisturbed_slow_rotation_A.csv
        traction bench fusion --data rec.csv --runs 20 --json     prints {"samples_per_s": …}
      """)

  @Option(help: "CSV file with t_s, acc_* and gyr_* columns (BROAD trial or traction recording).")
  var data: String

  @Option(parsing: .unconditional, help: "Number of timed runs, 1–1000; the best is reported.")
  var runs: Int = 10

  /// Best of 1000 is already as steady as the figure gets; more only makes the bench run for ever.
  static let runsRange = 1...1000

  @Flag(help: "Print one JSON object {\"samples_per_s\": …} instead of text.")
  var json = false

  @OptionGroup var filter: FusionFilterOptions

  public init() {}

  public func validate() throws {
    guard Self.runsRange.contains(runs) else {
      throw ValidationError(
        "--runs must be between \(Self.runsRange.lowerBound) and \(Self.runsRange.upperBound) (got \(runs))")
    }
  }

  public func run() async throws {
    let parameters = try filter.parameters()
    let series = try IMUSeries.load(path: data)
    guard series.count > 0, series.dt > 0 else {
      throw CommandFailure("\(data): needs at least two samples with increasing t_s")
    }
    if series.droppedPartialLastLine {
      Console.err("\(data): last line cut short, dropped")
    }
    var output = [SIMD3<Double>](repeating: .zero, count: series.count)
    var best = Double.infinity
    var checksum = SIMD3<Double>.zero
    for _ in 0..<runs {
      let seconds: Double
      if filter.estimator == "complementary" {
        seconds = timeRun(ComplementaryFilter(), series, &output)
      } else {
        seconds = timeRun(InclinationFilter(parameters: parameters), series, &output)
      }
      best = min(best, seconds)
      checksum += output[output.count - 1]
    }
    let rate = Double(series.count) / best
    if json {
      print("{\"samples_per_s\": \(jsonNumber(rate))}")
    } else {
      print(
        "\(filter.estimator): \(series.count) samples, best of \(runs) runs: \(fixed(best * 1000, 2)) ms, \(fixed(rate / 1e6, 2)) M samples/s"
      )
    }
    // Keeps the outputs observable so the optimizer cannot drop the work.
    if !checksum.x.isFinite { Console.err("non-finite output") }
  }
}

/// Runs a fresh `estimator` over the whole series, writing `up` per sample; returns seconds.
private func timeRun<E: InclinationEstimator>(
  _ estimator: E, _ series: IMUSeries, _ output: inout [SIMD3<Double>]
) -> Double {
  // A plain loop: capturing the estimator in buffer-pointer closures made the compiler copy the
  // whole struct every sample.
  var e = estimator
  let n = min(series.count, output.count)
  let dt = series.dt
  let gyr = series.gyr
  let acc = series.acc
  let start = DispatchTime.now().uptimeNanoseconds
  for k in 0..<n {
    e.update(gyr: gyr[k], acc: acc[k], dt: dt)
    output[k] = e.up
  }
  let end = DispatchTime.now().uptimeNanoseconds
  return Double(end - start) / 1e9
}
