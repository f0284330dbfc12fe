#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// What an IMU physically experiences at one instant, in its own sensor frame.
public struct MotionState: Sendable, Equatable {
  /// Specific force in m/s² (what an accelerometer measures: +9.81 on the up axis when still).
  public var specificForce: SIMD3<Double>
  /// Angular rate in rad/s.
  public var angularRate: SIMD3<Double>

  public init(specificForce: SIMD3<Double>, angularRate: SIMD3<Double> = .zero) {
    self.specificForce = specificForce
    self.angularRate = angularRate
  }

  /// Standard gravity, m/s².
  public static let standardGravity = 9.806_65
}

/// The physical-value backend of an emulated IMU: the chip encodes whatever this says, with the
/// range its driver configured.
public protocol MotionSource {
  /// The motion at `t` seconds on the emulated system's clock.
  func motion(atSeconds t: Double) -> MotionState
}

/// A sensor held in one pose, not moving (or turning at a constant rate).
public struct ConstantMotion: MotionSource, Sendable {
  public var state: MotionState

  public init(specificForce: SIMD3<Double>, angularRate: SIMD3<Double> = .zero) {
    state = MotionState(specificForce: specificForce, angularRate: angularRate)
  }

  /// Lying flat and still, z axis up.
  public static let flat = ConstantMotion(specificForce: SIMD3(0, 0, standardGravity))

  public func motion(atSeconds t: Double) -> MotionState { state }
}

/// Motion from a closure, for scripted movements in tests and scenarios.
public struct ClosureMotion: MotionSource {
  public let body: (Double) -> MotionState

  public init(_ body: @escaping (Double) -> MotionState) { self.body = body }

  public func motion(atSeconds t: Double) -> MotionState { body(t) }
}

/// Standard gravity, m/s² (internal: the scenario module has its own public constant).
let standardGravity = MotionState.standardGravity

/// White noise and constant bias of an IMU, from datasheet noise densities.
///
/// Per-sample standard deviation is density × √bandwidth, with the bandwidth the chip's filter
/// setting gives (the emulator passes it).
public struct IMUNoiseModel: Sendable, Equatable {
  /// Accelerometer noise density, (m/s²)/√Hz.
  public var accelNoiseDensity: Double
  /// Gyroscope rate noise density, (rad/s)/√Hz.
  public var gyroNoiseDensity: Double
  /// Constant zero-rate offset of the gyro, rad/s.
  public var gyroBias: SIMD3<Double>
  /// Constant zero-g offset of the accelerometer, m/s².
  public var accelBias: SIMD3<Double>

  public init(
    accelNoiseDensity: Double, gyroNoiseDensity: Double, gyroBias: SIMD3<Double> = .zero,
    accelBias: SIMD3<Double> = .zero
  ) {
    self.accelNoiseDensity = accelNoiseDensity
    self.gyroNoiseDensity = gyroNoiseDensity
    self.gyroBias = gyroBias
    self.accelBias = accelBias
  }

  /// No noise, no bias: exact values for conformance tests.
  public static let none = IMUNoiseModel(accelNoiseDensity: 0, gyroNoiseDensity: 0)

  /// MPU-6050 product specification rev 3.4: accel power spectral density 400 µg/√Hz,
  /// gyro total rate noise 0.005 °/s/√Hz.
  public static let mpu6050 = IMUNoiseModel(
    accelNoiseDensity: 400e-6 * standardGravity, gyroNoiseDensity: 0.005 * degreesToRadians)

  /// LSM6DS3 datasheet: accel noise density 90 µg/√Hz (high-performance mode, ±2 g),
  /// gyro rate noise density 7 mdps/√Hz.
  public static let lsm6ds3 = IMUNoiseModel(
    accelNoiseDensity: 90e-6 * standardGravity, gyroNoiseDensity: 7e-3 * degreesToRadians)
}

let degreesToRadians = Double.pi / 180

/// A small, fast, seedable generator (SplitMix64) so every emulated run is reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform double in (0, 1].
  public mutating func nextUnitInterval() -> Double {
    (Double(next() >> 11) + 1) * 0x1.0p-53
  }

  /// A standard normal deviate (Box–Muller; one of the pair is discarded for simplicity).
  public mutating func nextGaussian() -> Double {
    let u1 = nextUnitInterval()
    let u2 = nextUnitInterval()
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
  }
}

/// Encodes physical values as a chip's 16-bit output codes.
public enum SensorCode {
  /// `value × countsPerUnit`, rounded, saturating at the int16 limits as a chip does at full scale.
  public static func int16(_ value: Double, countsPerUnit: Double) -> Int16 {
    let c = (value * countsPerUnit).rounded()
    if !(c == c) { return 0 }
    if c >= Double(Int16.max) { return .max }
    if c <= Double(Int16.min) { return .min }
    return Int16(c)
  }
}
