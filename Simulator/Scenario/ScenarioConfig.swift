import TractionCore

/// Which variant each rep of a simulated session uses.
public enum VariantChoice: String, CaseIterable, Sendable, Codable {
  case basic, anchored
  /// Each rep picks basic or anchored at random (at least one of each when there are 2+ reps).
  case mixed
}

/// Things a real session holds besides the exercise. Each must never become a labelled event.
public enum Distractor: String, CaseIterable, Sendable, Codable, Comparable {
  /// Small shifts while lying: a bump of the chest below 5°, with a little roll.
  case fidget
  /// A sharp 1–3° jolt of the trunk with an acceleration spike.
  case cough
  /// Looking up: a short excursion above 5° that lasts under 3 s.
  case glance
  /// Rolling 5–15° to one side about the body's long axis (not extension).
  case roll
  /// A tap on the sensor: an acceleration (and small rate) impulse with no body motion.
  case tap
  /// Single dropped samples (missing lines, `seq` jumps by 2).
  case drop
  /// Gaps of 0.1–0.6 s with no samples.
  case gap
  /// Jitter of the sample times around the nominal rate.
  case jitter

  public static func < (a: Distractor, b: Distractor) -> Bool {
    (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
  }

  /// The distractors that move the body (placed in the rests between reps).
  public var isMotion: Bool {
    switch self {
    case .fidget, .cough, .glance, .roll: return true
    case .tap, .drop, .gap, .jitter: return false
    }
  }
}

/// How the IMUs err. `ideal` gives exact physics (for tests); `randomised` draws realistic
/// noise, bias, drift and quantisation from the session seed.
public enum SensorErrorModel: String, Sendable, Codable, CaseIterable {
  case ideal
  /// White noise, a constant gyro bias with a slow random-walk drift, a small accelerometer
  /// offset; no quantisation.
  case noisy
  /// As `noisy`, plus 16-bit quantisation and clipping at ±4 g / ±500 °/s, as an MPU-6050 gives.
  case quantised
}

/// Everything that chooses a simulated session. The same config always gives the same samples.
public struct ScenarioConfig: Sendable, Equatable {
  public var seed: UInt64
  /// Number of reps, 1…4; nil draws it from the seed.
  public var repCount: Int?
  public var variant: VariantChoice
  /// Nominal sample rate, 50…400 Hz.
  public var rateHz: Double
  public var includeIMU: Bool
  /// The elbow-platform force `load_n`.
  public var includeLoad: Bool
  /// The knee squeeze force `squeeze_n` (high during anchored reps).
  public var includeSqueeze: Bool
  /// A second IMU on the sacrum (`acc2_*`, `gyr2_*`).
  public var includeSacrum: Bool
  public var distractors: Set<Distractor>
  public var sensorErrors: SensorErrorModel
  /// Breathing ripple and tremor on top of the exercise (off only for exact-physics tests).
  public var motionTexture: Bool
  /// Largest tilt of the sensor on its strap, degrees (yaw on the back is always free).
  public var maxMountTiltDeg: Double

  public init(
    seed: UInt64, repCount: Int? = nil, variant: VariantChoice = .mixed, rateHz: Double = 100,
    includeIMU: Bool = true, includeLoad: Bool = true, includeSqueeze: Bool = false,
    includeSacrum: Bool = false, distractors: Set<Distractor> = [],
    sensorErrors: SensorErrorModel = .noisy, motionTexture: Bool = true,
    maxMountTiltDeg: Double = 25
  ) {
    self.seed = seed
    self.repCount = repCount
    self.variant = variant
    self.rateHz = rateHz
    self.includeIMU = includeIMU
    self.includeLoad = includeLoad
    self.includeSqueeze = includeSqueeze
    self.includeSacrum = includeSacrum
    self.distractors = distractors
    self.sensorErrors = sensorErrors
    self.motionTexture = motionTexture
    self.maxMountTiltDeg = maxMountTiltDeg
  }

  public static let rateRange: ClosedRange<Double> = 50...400
  public static let repRange: ClosedRange<Int> = 1...4

  /// Checks the ranges; the error names the field and what is allowed.
  public func validate() throws(ScenarioError) {
    if let n = repCount, !ScenarioConfig.repRange.contains(n) {
      throw .outOfRange(field: "repCount", value: "\(n)", allowed: "1...4")
    }
    if !rateHz.isFinite || !ScenarioConfig.rateRange.contains(rateHz) {
      throw .outOfRange(field: "rateHz", value: "\(rateHz)", allowed: "50...400")
    }
    if !includeIMU && !includeLoad {
      throw .noChannels
    }
    if !includeIMU && includeSacrum {
      throw .outOfRange(field: "includeSacrum", value: "true", allowed: "only with includeIMU")
    }
    if !maxMountTiltDeg.isFinite || !(0...60).contains(maxMountTiltDeg) {
      throw .outOfRange(field: "maxMountTiltDeg", value: "\(maxMountTiltDeg)", allowed: "0...60")
    }
  }
}

public enum ScenarioError: Error, Equatable, CustomStringConvertible {
  case outOfRange(field: String, value: String, allowed: String)
  case noChannels

  public var description: String {
    switch self {
    case .outOfRange(let field, let value, let allowed):
      return "scenario: \(field) = \(value) is out of range (allowed: \(allowed))"
    case .noChannels:
      return "scenario: a recording needs an IMU, a load cell, or both"
    }
  }
}
