import Foundation

@testable import TractionCore

/// The fusion tests' generator is the shared `TestRNG` (RecordingTestSupport.swift).
typealias SeededRNG = TestRNG

extension TestRNG {
  /// Standard normal (Box–Muller).
  mutating func gaussian() -> Double {
    let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
    let u2 = Double.random(in: 0..<1, using: &self)
    return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * .pi * u2)
  }
  mutating func gaussian3(_ sigma: Double) -> SIMD3<Double> {
    SIMD3(gaussian(), gaussian(), gaussian()) * sigma
  }
  mutating func unitVector() -> SIMD3<Double> {
    let v = gaussian3(1)
    return v / (v * v).sum().squareRoot()
  }
}

func angleDeg(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double {
  OrientationEvaluation.angleDegrees(a, b)
}

func norm(_ v: SIMD3<Double>) -> Double { (v * v).sum().squareRoot() }

/// Exact rotation of `v` by the rotation vector `phi` (Rodrigues).
func rotate(_ v: SIMD3<Double>, by phi: SIMD3<Double>) -> SIMD3<Double> {
  let angle = norm(phi)
  guard angle > 0 else { return v }
  let k = phi / angle
  let kxv = SIMD3(k.y * v.z - k.z * v.y, k.z * v.x - k.x * v.z, k.x * v.y - k.y * v.x)
  return v * Foundation.cos(angle) + kxv * Foundation.sin(angle)
    + k * ((k * v).sum() * (1 - Foundation.cos(angle)))
}

/// The BROAD development subset, from TRACTION_SHARED or beside the package (the lead's checkout
/// has shared/ next to it, a helper worktree two levels up); nil when absent.
let broadDirectory: String? = {
  let fm = FileManager.default
  var candidates: [String] = []
  if let shared = ProcessInfo.processInfo.environment["TRACTION_SHARED"] {
    candidates.append(shared + "/datasets/broad")
  }
  // #filePath = <root>/Tests/TractionCoreTests/FusionSupport.swift
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  candidates.append(root.appendingPathComponent("../shared/datasets/broad").standardized.path)
  candidates.append(root.appendingPathComponent("../../shared/datasets/broad").standardized.path)
  return candidates.first { fm.fileExists(atPath: $0 + "/01_undisturbed_slow_rotation_A.csv") }
}()
