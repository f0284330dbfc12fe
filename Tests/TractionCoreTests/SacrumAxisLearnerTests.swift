import Foundation
import Testing

@testable import TractionCore

@Suite struct SacrumAxisLearnerTests {
  /// The sacrum's vertical turned by `deg` about `axis` (sensor frame) from `reference`.
  func tilted(_ reference: SIMD3<Double>, about axis: SIMD3<Double>, deg: Double) -> SIMD3<Double> {
    let a = deg * .pi / 180
    // Rodrigues, with axis ⊥ reference.
    return reference * cos(a) + cross(axis, reference) * sin(a)
  }

  @Test func learnsAxisSignedSoTheTiltIsNegative() throws {
    let reference = normalized(SIMD3(0.2, -0.1, 1))
    let side = normalized(cross(reference, SIMD3(1, 0, 0)))
    var learner = SacrumAxisLearner()
    var axis: SIMD3<Double>? = nil
    // The trunk rises to 20° while the sacrum turns +2° about `side` (in the tracker's sense).
    for i in 0..<300 {
      let t = Double(i) * 0.01
      let trunk = min(20, t * 20)
      let up = tilted(reference, about: side, deg: 2 * min(1, t))
      if let a = learner.observe(
        trunkThetaDeg: trunk, sacrumReference: reference, sacrumUp: up, dt: 0.01)
      {
        axis = a
      }
    }
    let a = try #require(axis)
    #expect(abs(dot(a, side) + 1) < 1e-3)
    // With that axis a tracker reads the tilt as negative.
    var tracker = ExtensionAngleTracker(calibration: AngleCalibration(referenceUp: reference, axis: a))
    let r = tracker.update(
      t: 0, up: tilted(reference, about: side, deg: 2), gyr: .zero, acc: reference * 9.81)
    #expect(abs(r.thetaDeg + 2) < 0.01)
  }

  @Test func noAxisFromATiltTooSmallOrWhileLying() {
    let reference = SIMD3<Double>(0, 0, 1)
    var learner = SacrumAxisLearner()
    for i in 0..<500 {
      // 0.2° of tilt while the trunk is up, 3° while it is down: neither teaches the axis.
      let up = tilted(reference, about: SIMD3(1, 0, 0), deg: i < 250 ? 0.2 : 3)
      let trunk = i < 250 ? 15.0 : 2.0
      #expect(
        learner.observe(trunkThetaDeg: trunk, sacrumReference: reference, sacrumUp: up, dt: 0.01)
          == nil)
    }
    #expect(learner.axis == nil)
  }
}
