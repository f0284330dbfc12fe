/// A first-order complementary filter on the gravity direction: the gyroscope rotates the vertical,
/// the accelerometer pulls it back with time constant `tau`. The baseline the state-of-the-art
/// estimator is measured against.
public struct ComplementaryFilter: InclinationEstimator, Sendable {
  public var tau: Double
  public private(set) var up = SIMD3<Double>(0, 0, 1)
  private var elapsed = 0.0
  private var initialised = false

  public init(tau: Double = 1.0) { self.tau = tau }

  public var isSettled: Bool { elapsed >= tau }

  public mutating func update(gyr: SIMD3<Double>, acc: SIMD3<Double>, dt: Double) {
    let n = (acc * acc).sum().squareRoot()
    if !initialised {
      if n > 0 { up = acc / n }
      initialised = true
      return
    }
    // The vertical is fixed in the earth frame, so in the sensor frame it turns by -ω: v̇ = -ω × v.
    var v = up - cross(gyr, up) * dt
    if n > 0 {
      let k = min(1.0, dt / max(tau, dt))
      v += (acc / n - v) * k
    }
    let m = (v * v).sum().squareRoot()
    if m > 0 { up = v / m }
    elapsed += dt
  }
}

@inline(__always)
func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
  SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
