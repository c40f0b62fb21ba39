using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Ddf.Runtime;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Ddf.GpuCheck;

/// <summary>
/// The <c>--ptx</c> mode (no GPU needed): compiles every checked spec's generated float32 kernels (those
/// <see cref="KernelResources.KernelsOf"/> lists) and the calibration copies to PTX for sm_90, writes them to the report
/// folder and counts their static instructions by kind. A proxy for comparing kernel designs between GPU runs, not a
/// timing: the loops' instructions count once, and ptxas still schedules, fuses multiply-adds and allocates registers after this.
/// </summary>
internal static class PtxStatistics
{
    public static void Write(Report report, string folder)
    {
        report.Line("## Static PTX instruction counts of the generated float32 kernels and the calibration copies (sm_90)");
        report.Line();
        report.Line("Vector loads: loads with .v2 or .v4, in any space but .param (each counted among the loads too). ILGPU 1.5.3 addresses views " +
            "generically: it emits ld.v4.f32, not ld.global.v4.f32 (its scalar loads are generic ld.f32 too).");
        report.Line();
        report.Line("| spec | kernel | instructions | loads | vector loads | stores | selects | conditional branches | shuffles | shared bytes |");
        report.Line("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        using var context = Context.Create(builder => builder.Cuda());
        using var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, nvvmAPI: null!);
        Directory.CreateDirectory(folder);
        foreach (var spec in GpuChecks.Specs.Where(s => s.Gpu.Layout == DdfGpuLayout.Tiled))
        {
            foreach (var (name, method) in KernelResources.KernelsOf(spec.Gpu.Single))
                Row(spec.Name, name, method, spec.Gpu.Specialization);
        }
        foreach (var (name, method) in CalibrationKernels.Methods)
            Row("calibration", name, method, KernelSpecialization.Empty);
        report.Line();

        void Row(string spec, string name, MethodInfo method, KernelSpecialization specialization)
        {
            var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(method), specialization);
            string ptx = compiled.PTXAssembly;
            File.WriteAllText(Path.Combine(folder, $"{Regex.Replace(spec, @"\W+", "-")}.{name}.ptx"), ptx);
            var instructions = ptx.Split('\n').Select(l => l.Trim())
                .Where(l => l.Length > 0 && !l.StartsWith("//") && !l.StartsWith('.') && !l.EndsWith(':') && l is not ("{" or "}")).ToArray();
            int Count(string pattern) => instructions.Count(l => Regex.IsMatch(l, pattern));
            int shared = Regex.Matches(ptx, @"\.shared \.align \d+ \.b8 \w+\[(\d+)\]").Sum(m => int.Parse(m.Groups[1].Value));
            report.Line($"| {spec} | {name} | {instructions.Length} | {Count(@"^ld\.(?!param)")} | {Count(@"^ld\.(?!param)(\w+\.)*v[24]\.")} | {Count(@"^st\.")} | " +
                $"{Count(@"^selp")} | {Count(@"^@!?%p\d+\s+bra")} | {Count(@"^shfl")} | {shared} |");
        }
    }
}
