import Testing

@testable import TractionCore

@Suite struct ComplementaryFilterTests {
  @Test func staysOnGravityWhenStill() {
    var f = ComplementaryFilter(tau: 0.5)
    let g = SIMD3<Double>(0.3, -0.2, 9.7)
    for _ in 0..<1000 { f.update(gyr: .zero, acc: g, dt: 0.01) }
    let expected = g / (g * g).sum().squareRoot()
    #expect(((f.up - expected) * (f.up - expected)).sum() < 1e-12)
    #expect(f.isSettled)
  }
}
