import Foundation

/// A 3×3 rotation matrix stored by rows. Enough linear algebra for the body kinematics; kept
/// here rather than in the core because only the simulator needs matrices.
public struct Rotation3: Sendable, Equatable {
  public var r0: SIMD3<Double>
  public var r1: SIMD3<Double>
  public var r2: SIMD3<Double>

  public init(rows r0: SIMD3<Double>, _ r1: SIMD3<Double>, _ r2: SIMD3<Double>) {
    self.r0 = r0
    self.r1 = r1
    self.r2 = r2
  }

  public static let identity = Rotation3(rows: [1, 0, 0], [0, 1, 0], [0, 0, 1])

  /// Rotation by `angle` (rad) about +x, right-handed.
  public static func aboutX(_ a: Double) -> Rotation3 {
    let c = cos(a)
    let s = sin(a)
    return Rotation3(rows: [1, 0, 0], [0, c, -s], [0, s, c])
  }

  public static func aboutY(_ a: Double) -> Rotation3 {
    let c = cos(a)
    let s = sin(a)
    return Rotation3(rows: [c, 0, s], [0, 1, 0], [-s, 0, c])
  }

  public static func aboutZ(_ a: Double) -> Rotation3 {
    let c = cos(a)
    let s = sin(a)
    return Rotation3(rows: [c, -s, 0], [s, c, 0], [0, 0, 1])
  }

  /// Rotation by `angle` about a unit `axis` (Rodrigues).
  public static func about(axis k: SIMD3<Double>, angle a: Double) -> Rotation3 {
    let c = cos(a)
    let s = sin(a)
    let v = 1 - c
    return Rotation3(
      rows: [c + k.x * k.x * v, k.x * k.y * v - k.z * s, k.x * k.z * v + k.y * s],
      [k.y * k.x * v + k.z * s, c + k.y * k.y * v, k.y * k.z * v - k.x * s],
      [k.z * k.x * v - k.y * s, k.z * k.y * v + k.x * s, c + k.z * k.z * v])
  }

  public var transposed: Rotation3 {
    Rotation3(rows: [r0.x, r1.x, r2.x], [r0.y, r1.y, r2.y], [r0.z, r1.z, r2.z])
  }

  public static func * (m: Rotation3, v: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3((m.r0 * v).sum(), (m.r1 * v).sum(), (m.r2 * v).sum())
  }

  public static func * (a: Rotation3, b: Rotation3) -> Rotation3 {
    let bt = b.transposed
    return Rotation3(
      rows: [(a.r0 * bt.r0).sum(), (a.r0 * bt.r1).sum(), (a.r0 * bt.r2).sum()],
      [(a.r1 * bt.r0).sum(), (a.r1 * bt.r1).sum(), (a.r1 * bt.r2).sum()],
      [(a.r2 * bt.r0).sum(), (a.r2 * bt.r1).sum(), (a.r2 * bt.r2).sum()])
  }

  /// The rotation angle in radians (0…π).
  public var angle: Double {
    let tr = r0.x + r1.y + r2.z
    return acos(max(-1, min(1, (tr - 1) / 2)))
  }
}

@inline(__always)
func smoothStep5(_ x: Double) -> Double {
  if x <= 0 { return 0 }
  if x >= 1 { return 1 }
  return x * x * x * (10 + x * (-15 + 6 * x))
}

@inline(__always)
func deg(_ r: Double) -> Double { r * 180 / .pi }

@inline(__always)
func rad(_ d: Double) -> Double { d * .pi / 180 }
