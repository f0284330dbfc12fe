import Foundation
import TractionCore

/// One simulated sample with the true extension angle at its time.
public struct SimulatedSample: Sendable, Equatable {
  public var sample: Sample
  public var thetaDeg: Double

  public init(sample: Sample, thetaDeg: Double) {
    self.sample = sample
    self.thetaDeg = thetaDeg
  }
}

/// Streams a session's samples one at a time from its plan: memory stays the size of the plan
/// however long the session. Sample `k` is nominally at `k / rate`; with `jitter` its time wanders,
/// with `drop`/`gap` some samples are missing (their `seq` is skipped).
public struct SessionGenerator: IteratorProtocol, Sequence, Sendable {
  public let plan: SessionPlan
  private var index = 0
  private let count: Int
  private var noise: SeededRandom
  private var dropRandom: SeededRandom
  private var jitterRandom: SeededRandom
  private var drift1 = SIMD3<Double>.zero
  private var drift2 = SIMD3<Double>.zero

  public init(plan: SessionPlan) {
    self.plan = plan
    count = Int((plan.duration / plan.samplePeriod).rounded(.down)) + 1
    noise = SeededRandom(seed: plan.config.seed, stream: 2)
    dropRandom = SeededRandom(seed: plan.config.seed, stream: 3)
    jitterRandom = SeededRandom(seed: plan.config.seed, stream: 4)
  }

  public init(_ config: ScenarioConfig) throws(ScenarioError) {
    self.init(plan: try SessionPlan(config))
  }

  /// Number of nominal sample slots (the samples produced are fewer when some are dropped).
  public var nominalCount: Int { count }

  public mutating func next() -> SimulatedSample? {
    let config = plan.config
    let dt = plan.samplePeriod
    while index < count {
      let k = index
      index += 1
      var t = Double(k) * dt
      if plan.jitterSigma > 0 && k > 0 {
        // Clipped at ±0.2 periods so that, with the ±2 % clock error, a step stays under the
        // 1.5 periods a reader takes for a gap: jitter never looks like a dropped sample.
        let j = Swift.max(-0.2 * dt, Swift.min(0.2 * dt, jitterRandom.normal(sigma: plan.jitterSigma)))
        t += j
      }
      // Bias drift advances on every slot, dropped or not, so a drop changes nothing else.
      let rootDt = dt.squareRoot()
      if plan.imuErrors.gyroDriftPerRootSecond > 0 {
        drift1 +=
          SIMD3(noise.normal(), noise.normal(), noise.normal())
          * (plan.imuErrors.gyroDriftPerRootSecond * rootDt)
      }
      if config.includeSacrum && plan.sacrumErrors.gyroDriftPerRootSecond > 0 {
        drift2 +=
          SIMD3(noise.normal(), noise.normal(), noise.normal())
          * (plan.sacrumErrors.gyroDriftPerRootSecond * rootDt)
      }
      let u = dropRandom.unit()
      if k > 0 && t > plan.initialStill {
        if plan.inGap(t) { continue }
        if u < plan.dropProbability || k == plan.forcedDropIndex { continue }
      }
      var sample = Sample(t: t, seq: Int64(k))
      if config.includeIMU {
        let ideal = plan.idealReadings(at: t)
        sample.imu = Self.corrupt(ideal.upperBack, plan.imuErrors, drift1, &noise)
        if config.includeSacrum {
          sample.imu2 = Self.corrupt(ideal.sacrum, plan.sacrumErrors, drift2, &noise)
        }
      }
      if config.includeLoad {
        sample.loadN = plan.idealLoadN(at: t) + noise.normal(sigma: plan.loadNoiseN)
      }
      if config.includeSqueeze {
        sample.squeezeN = plan.idealSqueezeN(at: t) + noise.normal(sigma: plan.squeezeNoiseN)
      }
      return SimulatedSample(sample: sample, thetaDeg: plan.thetaDeg(at: t))
    }
    return nil
  }

  static func corrupt(
    _ r: IMUReading, _ e: IMUErrorParameters, _ drift: SIMD3<Double>, _ rng: inout SeededRandom
  ) -> IMUReading {
    if e == .ideal { return r }
    var acc = r.acc + e.accelBias
    var gyr = r.gyr + e.gyroBias + drift
    acc += SIMD3(rng.normal(), rng.normal(), rng.normal()) * e.accelSigma
    gyr += SIMD3(rng.normal(), rng.normal(), rng.normal()) * e.gyroSigma
    if e.quantised {
      acc = quantise(acc, lsb: IMUErrorParameters.accelLSB, range: IMUErrorParameters.accelRange)
      gyr = quantise(gyr, lsb: IMUErrorParameters.gyroLSB, range: IMUErrorParameters.gyroRange)
    }
    return IMUReading(acc: acc, gyr: gyr)
  }

  static func quantise(_ v: SIMD3<Double>, lsb: Double, range: Double) -> SIMD3<Double> {
    func q(_ x: Double) -> Double {
      let c = Swift.max(-range, Swift.min(range - lsb, x))
      return (c / lsb).rounded() * lsb
    }
    return SIMD3(q(v.x), q(v.y), q(v.z))
  }
}
