#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Learns the sacrum IMU's left–right axis, with its sign, from how the sacrum tilts while the
/// trunk is raised.
///
/// The pelvis turns only 1–4° during the exercise, too little for `ExtensionAngleTracker` to learn
/// an axis from the sacrum's own excursions (it needs 16°), and too little to tell its sign: left
/// alone the sacrum angle would be unsigned and the lumbar angle (upper back − sacrum) off by twice
/// the tilt. With the pelvis on the floor, lumbar extension comes with an anterior pelvic tilt: the
/// pelvis turns against the trunk, its cranial end toward the floor, a negative angle in θ's
/// convention. So the axis is the direction of the sacrum's tilt from its reference while the trunk
/// is above the rep threshold, signed so that this tilt reads negative.
public struct SacrumAxisLearner: Sendable {
  /// Trunk θ (degrees) above which the sacrum's tilt is collected.
  public var trunkThresholdDeg = 5.0
  /// Collected time (s) and mean tilt (degrees) needed before the axis is given.
  public var minSeconds = 1.0
  public var minTiltDeg = 0.4

  public private(set) var axis: SIMD3<Double>? = nil
  private var sum = SIMD3<Double>(0, 0, 0)
  private var seconds = 0.0

  public init() {}

  /// One sample: the trunk's θ (degrees, with its axis known), the sacrum tracker's reference
  /// vertical and the sacrum estimator's vertical (sensor frame), and the sample interval (s).
  /// Returns the axis once, when it is learned.
  public mutating func observe(
    trunkThetaDeg: Double, sacrumReference: SIMD3<Double>, sacrumUp: SIMD3<Double>, dt: Double
  ) -> SIMD3<Double>? {
    guard axis == nil, trunkThetaDeg >= trunkThresholdDeg, dt > 0, dt.isFinite else { return nil }
    // reference × up points along the rotation axis, with length sin(tilt).
    let c = cross(normalized(sacrumReference), normalized(sacrumUp))
    guard c.x.isFinite, c.y.isFinite, c.z.isFinite else { return nil }
    sum += c * dt
    seconds += dt
    guard seconds >= minSeconds else { return nil }
    let meanSin = length(sum) / seconds
    guard meanSin >= sin(minTiltDeg / degPerRad) else { return nil }
    // Anterior tilt is negative: the axis about which the observed tilt is a negative rotation.
    let a = -normalized(sum)
    axis = a
    return a
  }
}
