// swift-tools-version: 6.1
import PackageDescription

// The Linux hardware backends (i2c-dev through libi2c, GPIO through libgpiod) are behind the
// `LinuxHardware` package trait, on by default, and only on Linux. A machine without the -dev
// packages (a bare container) builds everything else with `swift build --disable-default-traits`;
// on macOS the platform condition turns them off by itself. The core, the simulator and the CLI
// never depend on them.
let linuxHardware = TargetDependencyCondition.when(platforms: [.linux], traits: ["LinuxHardware"])

let package = Package(
  name: "TractionMonitor",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "traction", targets: ["traction"]),
    .library(name: "TractionCore", targets: ["TractionCore"]),
    .library(name: "HAL", targets: ["HAL"]),
    .library(name: "SensorDrivers", targets: ["SensorDrivers"]),
    .library(name: "ChipEmulators", targets: ["ChipEmulators"]),
    .library(name: "ExerciseSimulator", targets: ["ExerciseSimulator"]),
  ],
  traits: [
    .trait(
      name: "LinuxHardware",
      description: "Real sensors on Linux: i2c-dev through libi2c and GPIO through libgpiod (v1 or v2)."),
    .default(enabledTraits: ["LinuxHardware"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
  ],
  targets: [
    // MARK: Sources — the signal-processing core and the command
    .target(name: "TractionCore", path: "Sources/TractionCore"),
    .target(
      name: "TractionCLI",
      dependencies: [
        "TractionCore", "Acquisition", "ExerciseSimulator", "HAL", "SensorDrivers", "LinuxHAL", "ChipEmulators",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/TractionCLI"),
    .executableTarget(name: "traction", dependencies: ["TractionCLI"], path: "Sources/traction"),
    // The acquisition loop: drivers → samples on a clock, faults → gaps and notes. The same code
    // reads real chips on a Pi and emulated chips in the simulator.
    .target(
      name: "Acquisition", dependencies: ["TractionCore", "HAL", "SensorDrivers"],
      path: "Sources/Acquisition"),

    // MARK: Hardware — the HAL, the drivers and the Linux backends
    .target(name: "HAL", path: "Hardware/HAL"),
    .target(name: "SensorDrivers", dependencies: ["HAL"], path: "Hardware/Drivers"),
    .systemLibrary(
      name: "CI2C", path: "Hardware/System/CI2C",
      providers: [.apt(["libi2c-dev"])]),
    .systemLibrary(
      name: "CGPIOD", path: "Hardware/System/CGPIOD", pkgConfig: "libgpiod",
      providers: [.apt(["libgpiod-dev"])]),
    // The one C file that calls libgpiod; it compiles against API v1 and v2.
    .target(
      name: "GPIOShim",
      dependencies: [.target(name: "CGPIOD", condition: linuxHardware)],
      path: "Hardware/GPIOShim",
      cSettings: [.define("TRACTION_HAVE_GPIOD", .when(platforms: [.linux], traits: ["LinuxHardware"]))],
      linkerSettings: [.linkedLibrary("gpiod", .when(platforms: [.linux], traits: ["LinuxHardware"]))]),
    .target(
      name: "LinuxHAL",
      dependencies: ["HAL", "GPIOShim", .target(name: "CI2C", condition: linuxHardware)],
      path: "Hardware/Linux"),

    // MARK: Simulator — emulated chips and synthetic sessions
    .target(name: "ChipEmulators", dependencies: ["HAL"], path: "Simulator/Emulators"),
    .target(
      name: "ExerciseSimulator",
      dependencies: ["TractionCore", "Acquisition", "HAL", "SensorDrivers", "ChipEmulators"],
      path: "Simulator/Scenario"),

    // MARK: Tests — Swift Testing for the core and simulator, XCTest for the hardware
    .testTarget(
      name: "TractionCoreTests",
      dependencies: ["TractionCore", .product(name: "PropertyBased", package: "swift-property-based")],
      path: "Tests/TractionCoreTests"),
    .testTarget(
      name: "HardwareTests",
      dependencies: ["HAL", "SensorDrivers", "ChipEmulators", "LinuxHAL"],
      path: "Tests/HardwareTests"),
    .testTarget(
      name: "SimulatorTests",
      dependencies: ["ExerciseSimulator", "Acquisition", "TractionCore", "ChipEmulators", "SensorDrivers", "HAL"],
      path: "Tests/SimulatorTests"),
    .testTarget(
      name: "CLITests", dependencies: ["TractionCLI", "TractionCore", "ExerciseSimulator"],
      path: "Tests/CLITests"),
  ],
  swiftLanguageModes: [.v6]
)
