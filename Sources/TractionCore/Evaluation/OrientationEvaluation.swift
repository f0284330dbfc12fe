#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Inclination scoring as defined for BROAD (shared/datasets/broad/README.md): the estimator runs
/// over the whole trial from the first sample; the error of a sample is the angle between the
/// estimated and the true vertical; a trial's score is the RMSE over the movement samples that have
/// ground truth; several trials are summarised by the unweighted mean of their RMSEs.
public enum OrientationEvaluation {
  /// One trial's score.
  public struct TrialScore: Sendable, Equatable {
    public var name: String
    /// Inclination RMSE in degrees over the scored samples.
    public var rmseDegrees: Double
    /// Largest inclination error in degrees over the scored samples.
    public var maxErrorDegrees: Double
    /// Number of scored samples (movement with ground truth).
    public var scoredSamples: Int

    public init(name: String, rmseDegrees: Double, maxErrorDegrees: Double, scoredSamples: Int) {
      self.name = name
      self.rmseDegrees = rmseDegrees
      self.maxErrorDegrees = maxErrorDegrees
      self.scoredSamples = scoredSamples
    }
  }

  /// Angle in degrees between two vectors (need not be unit). atan2 keeps small angles accurate.
  @inlinable public static func angleDegrees(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double {
    let c = SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
    let sinPart = (c * c).sum().squareRoot()
    let cosPart = (a * b).sum()
    return atan2Degrees(sinPart, cosPart)
  }

  @usableFromInline static func atan2Degrees(_ y: Double, _ x: Double) -> Double {
    atan2(y, x) * 180 / .pi
  }

  /// Runs `estimator` (fresh, from its initial state) over the whole trial and scores it.
  public static func score<E: InclinationEstimator>(_ trial: BROADTrial, estimator: E) -> TrialScore {
    var estimator = estimator
    let imu = trial.imu
    let n = trial.count
    var sum2 = 0.0
    var maxError = 0.0
    var scored = 0
    for k in 0..<n {
      estimator.update(gyr: imu.gyr[k], acc: imu.acc[k], dt: imu.dt)
      guard trial.movement[k], let truth = trial.groundTruthUp[k] else { continue }
      let e = angleDegrees(estimator.up, truth)
      sum2 += e * e
      maxError = max(maxError, e)
      scored += 1
    }
    let rmse = scored > 0 ? (sum2 / Double(scored)).squareRoot() : .nan
    return TrialScore(
      name: trial.name, rmseDegrees: rmse, maxErrorDegrees: maxError, scoredSamples: scored)
  }

  /// Unweighted mean of the trials' RMSEs (NaN for no trials).
  public static func meanRMSE(_ scores: [TrialScore]) -> Double {
    scores.isEmpty ? .nan : scores.map(\.rmseDegrees).reduce(0, +) / Double(scores.count)
  }
}
