/// One IMU reading in SI units, in the sensor's own frame.
public struct IMUReading: Sendable, Equatable {
  /// Specific force in m/s² (about +9.81 on the axis pointing up when still).
  public var acc: SIMD3<Double>
  /// Angular rate in rad/s.
  public var gyr: SIMD3<Double>

  public init(acc: SIMD3<Double>, gyr: SIMD3<Double>) {
    self.acc = acc
    self.gyr = gyr
  }
}

/// One line of a recording: everything the sensors said at one instant. A plain value with no
/// heap storage, so the per-sample path stays allocation-free.
public struct Sample: Sendable, Equatable {
  /// Seconds since the first sample, from a monotonic clock.
  public var t: Double
  /// The largest |t| (s, about 126 years) a recording may hold: written exactly at 1 µs, and far
  /// beyond any session. A larger time is another unit (ns since the epoch, say), not seconds
  /// since the first sample.
  public static let timeLimitSeconds = 4e9
  /// The primary IMU (upper back), when the recording has one.
  public var imu: IMUReading?
  /// A second IMU (for example on the sacrum), same time base.
  public var imu2: IMUReading?
  /// Vertical force on the elbow platform, N.
  public var loadN: Double?
  /// Squeeze force between the knees, N.
  public var squeezeN: Double?
  /// The driver's sample counter.
  public var seq: Int64?

  public init(
    t: Double, imu: IMUReading? = nil, imu2: IMUReading? = nil, loadN: Double? = nil,
    squeezeN: Double? = nil, seq: Int64? = nil
  ) {
    self.t = t
    self.imu = imu
    self.imu2 = imu2
    self.loadN = loadN
    self.squeezeN = squeezeN
    self.seq = seq
  }
}
