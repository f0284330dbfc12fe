/// Estimates the direction of gravity (inclination) from a 6-axis IMU. Heading is irrelevant here.
///
/// Conventions, the same for every implementation:
/// - input gyroscope in rad/s and accelerometer in m/s², both in the sensor frame;
/// - `up` is the unit vertical (pointing away from the floor) expressed in the sensor frame, i.e.
///   z_S(q) = R(q)ᵀ·(0,0,1) for a sensor-to-earth quaternion q in a z-up earth frame (ENU/NWU);
/// - `dt` is the time since the previous sample in seconds.
public protocol InclinationEstimator {
  mutating func update(gyr: SIMD3<Double>, acc: SIMD3<Double>, dt: Double)
  /// Unit vertical in the sensor frame.
  var up: SIMD3<Double> { get }
  /// False during start-up, while the estimate is not yet trustworthy.
  var isSettled: Bool { get }
  /// The sensor's motion since the last sample is unknown (the readings stopped for longer than a
  /// turn can be bridged): the estimator should take the accelerometer's vertical again quickly.
  mutating func motionUnknown()
}

extension InclinationEstimator {
  /// By default nothing: the estimator corrects at its usual pace.
  public mutating func motionUnknown() {}
}
