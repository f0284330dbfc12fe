import ArgumentParser
import ExerciseSimulator
import Foundation
import TractionCore

extension EmulatedIMUChip: ExpressibleByArgument {}
extension EmulatedLoadChip: ExpressibleByArgument {}

/// `traction simulate --through-chips`: the options' checks and the run, kept apart from the
/// ideal-sample path.
extension SimulateCommand {
  /// The faults `--faults` asks for: those named one by one (each must fit the session, which
  /// `validateThroughChips` checks) and, for `all`, every fault that can hit a sensor this session
  /// simulates (no sacrum fault without --sacrum, no IMU fault with --no-imu): a user asking for
  /// all faults means all that apply, not an error about one they never typed.
  func chosenFaults() throws(ThroughChipsError) -> (named: Set<ChipFault>, all: Set<ChipFault>) {
    var named: Set<ChipFault> = []
    var all: Set<ChipFault> = []
    for raw in faults.split(separator: ",", omittingEmptySubsequences: false) {
      if raw.trimmingCharacters(in: .whitespaces).lowercased() == "all" {
        all = Set(ChipFault.allCases.filter(applies))
      } else {
        named.formUnion(try ThroughChipsOptions.parseFaults(String(raw)))
      }
    }
    return (named, all)
  }

  /// Whether `fault` hits a sensor this session simulates.
  private func applies(_ fault: ChipFault) -> Bool {
    switch fault {
    case .bus, .vanish: return imu
    case .overrun, .loadVanish: return load
    case .sacrumVanish: return imu && sacrum
    }
  }

  func validateThroughChips() throws {
    let parsed: Set<ChipFault>
    let all: Set<ChipFault>
    do {
      (parsed, all) = try chosenFaults()
    } catch {
      throw ValidationError("\(error)")
    }
    guard throughChips else {
      if !parsed.isEmpty || !all.isEmpty { throw ValidationError("--faults needs --through-chips") }
      // Without the chips these would be silently ignored.
      if imuChip != nil { throw ValidationError("--imu-chip needs --through-chips") }
      if loadChip != nil { throw ValidationError("--load-chip needs --through-chips") }
      return
    }
    if corpus != nil { throw ValidationError("--through-chips writes one session: use --out, not --corpus") }
    if squeeze { throw ValidationError("--through-chips has no emulated squeeze sensor: drop --squeeze") }
    if !imu && (parsed.contains(.bus) || parsed.contains(.vanish)) {
      throw ValidationError("--faults bus and vanish hit the IMU: drop them or --no-imu")
    }
    if !load && (parsed.contains(.overrun) || parsed.contains(.loadVanish)) {
      throw ValidationError("--faults overrun and load-vanish hit the load cell: drop them or --no-load")
    }
    if !sacrum && parsed.contains(.sacrumVanish) {
      throw ValidationError("--faults sacrum-vanish needs --sacrum")
    }
  }

  func runThroughChips(config: ScenarioConfig, stem: String) throws {
    let (named, all) = try chosenFaults()
    let options = ThroughChipsOptions(
      imuChip: imuChip ?? .mpu6050, loadChip: loadChip ?? .nau7802, faults: named.union(all))
    let (summary, result) = try ThroughChipsSession.write(config: config, options: options, stem: stem)
    guard !quiet else { return }
    print(Self.describe(summary, path: stem))
    let st = result.statistics
    let chips = [
      result.imuReport?.chipName, result.sacrumReport.map { "\($0.chipName) (sacrum)" }, result.loadReport?.chip,
    ]
    .compactMap { $0 }.joined(separator: ", ")
    print(
      "  through chips (\(chips)): \(st.faults) faults, \(st.skippedSlots) skipped slots, "
        + "\(result.incompleteSamples) incomplete samples not written, \(st.recoveries) recoveries, "
        + "\(st.sensorsLost) sensors lost")
  }
}
