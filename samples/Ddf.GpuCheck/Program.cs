using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Ddf.GpuCheck;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

// Usage: Ddf.GpuCheck <report-folder> [--cpu | --ptx | --profile]
//   Checks the generated (and generic) GPU kernels and two calibration copy kernels against the CPU, times them at the
//   paper's Table 2 size next to a device-to-device copy, reports each kernel's registers, spills and occupancy, and
//   checks the kernels on memory allocated outside ILGPU (last: the riskiest). Writes <report-folder>/report.md after
//   every section, so a crash or timeout keeps what ran before it.
//   --cpu runs what needs no CUDA device on ILGPU's CPU accelerator (small shapes) and lists what it skipped;
//   --ptx only compiles the kernels to PTX and counts their instructions (no device needed);
//   --profile runs forward+backward of the generated k = 3 kernels a few times and nothing else, for a profiler (ncu),
//   and writes <report-folder>/profile.md.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length < 1 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: Ddf.GpuCheck <report-folder> [--cpu | --ptx | --profile]");
    return 2;
}
bool profile = args.Contains("--profile");
var report = new Report(args[0], profile ? "profile.md" : "report.md");
if (args.Contains("--ptx"))
{
    PtxStatistics.Write(report, args[0]);
    report.Save();
    return 0;
}
bool onCpu = args.Contains("--cpu");
using var context = Context.Create(builder => _ = onCpu ? builder.CPU(CPUDeviceKind.Nvidia) : builder.Cuda());
var devices = context.Devices.Where(d => onCpu ? d.AcceleratorType == AcceleratorType.CPU : d.AcceleratorType == AcceleratorType.Cuda).ToArray();
if (devices.Length == 0)
{
    report.Line("no CUDA device: nothing to check (this machine has no NVIDIA GPU or driver).");
    report.Save();
    return 0;
}
using var accelerator = devices[0].CreateAccelerator(context);
if (profile)
{
    GpuChecks.Profile(accelerator, report, iterations: 3);
    report.Save();
    return 0;
}
report.Line($"# DDF GPU check, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
report.Line();
report.Line($"Device: {accelerator.Name} ({accelerator.AcceleratorType}), {accelerator.NumMultiprocessors} multiprocessors, " +
    $"{accelerator.MemorySize / (1 << 20)} MiB, warp {accelerator.WarpSize}" +
    (accelerator is CudaAccelerator cuda ? $", {cuda.Architecture}, driver {cuda.DriverVersion}" : "") + $"; .NET {Environment.Version}, ILGPU 1.5.3.");
report.Line();
report.Save();

bool passed = report.Section("correctness", () => GpuChecks.Correctness(accelerator, report, quick: onCpu));
passed &= report.Section("calibration correctness", () => GpuChecks.CalibrationCorrectness(accelerator, report, quick: onCpu));
if (accelerator is CudaAccelerator device)
{
    passed &= report.Section("timings", () => GpuChecks.Timings(accelerator, report));
    passed &= report.Section("kernel resources", () => KernelResources.Write(device, report, GpuChecks.TimedSpecs));
    // The same kernels compiled with ILGPU's O2 optimisation level (the default context uses O1).
    using var optimised = Context.Create(builder => builder.Cuda().Optimize(OptimizationLevel.O2));
    using var optimisedAccelerator = optimised.GetCudaDevice(0).CreateCudaAccelerator(optimised);
    passed &= report.Section("timings, ILGPU O2", () => GpuChecks.Timings(optimisedAccelerator, report, label: ", ILGPU O2", onlyTable2: true));
    passed &= report.Section("kernel resources, ILGPU O2", () => KernelResources.Write(optimisedAccelerator, report, GpuChecks.TimedSpecs.Take(1), label: ", ILGPU O2"));
    passed &= report.Section("foreign memory", () => ForeignMemoryCheck.Run(report));
}
else
{
    report.Line("## Skipped: these sections need a CUDA device");
    report.Line();
    report.Line("- timings at the Table 2 size (O1 and O2), with the copy floor and the calibration copies");
    report.Line("- kernel resources after the driver's JIT (registers, local bytes, shared bytes, occupancy)");
    report.Line("- kernels on foreign device memory (primary context, other threads)");
    report.Line();
}
report.Line(passed ? "RESULT: all checks passed" : "RESULT: FAILED (see above)");
report.Save();
return passed ? 0 : 1;

namespace Ddf.GpuCheck
{
    /// <summary>Collects the report, echoes it to the console, and writes it to <paramref name="fileName"/> in <paramref name="folder"/>.</summary>
    internal sealed class Report(string folder, string fileName)
    {
        private readonly List<string> lines = [];

        public void Line(string text = "")
        {
            Console.WriteLine(text);
            lines.Add(text);
        }

        public void Save()
        {
            Directory.CreateDirectory(folder);
            File.WriteAllLines(Path.Combine(folder, fileName), lines);
        }

        /// <summary>Runs one section and saves the report after it; an exception fails the section, not the sections after it.</summary>
        public bool Section(string name, Func<bool> run)
        {
            bool passed;
            try
            {
                passed = run();
            }
            catch (Exception e)
            {
                Line($"FAIL: section '{name}' threw {e.GetType().Name}: {e.Message}");
                Line();
                passed = false;
            }
            Save();
            return passed;
        }

        /// <summary>A section that measures rather than passes or fails: only an exception fails it.</summary>
        public bool Section(string name, Action run) => Section(name, () =>
        {
            run();
            return true;
        });
    }
}
