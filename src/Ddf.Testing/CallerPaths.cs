using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Ddf.Testing;

/// <summary>
/// The test source file that <c>[CallerFilePath]</c> names. Deterministic builds (<c>ContinuousIntegrationBuild</c>, which
/// CI setups often turn on) map source paths to <c>/_/relative/path.cs</c>; that is found again under the project
/// directory recorded by Ddf.Testing's build logic, or its parents, or the parents of the test's output folder.
/// </summary>
internal static partial class CallerPaths
{
    public const string ProjectDirectoryKey = "Ddf.Testing.ProjectDirectory";

    [GeneratedRegex(@"^/_\d*/(.+)$")]
    private static partial Regex MappedPath();

    public static string SnapshotFolder(string callerFile, Assembly? caller)
    {
        if (string.IsNullOrEmpty(callerFile))
            throw new DdfSnapshotException("No caller file: call Verify from a test's source file ([CallerFilePath] fills it in).");
        if (Path.IsPathRooted(callerFile) && Directory.Exists(Path.GetDirectoryName(callerFile)))
            return Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");

        var mapped = MappedPath().Match(callerFile.Replace('\\', '/'));
        if (mapped.Success)
        {
            string relative = mapped.Groups[1].Value;
            var roots = CallerMetadata.Find(caller, ProjectDirectoryKey).Append(AppContext.BaseDirectory);
            foreach (var root in roots)
            {
                for (var directory = new DirectoryInfo(root); directory is not null; directory = directory.Parent)
                {
                    string candidate = Path.Combine(directory.FullName, relative);
                    if (File.Exists(candidate))
                        return Path.Combine(Path.GetDirectoryName(candidate)!, "Snapshots");
                }
            }
        }
        throw new DdfSnapshotException($"The test source file {callerFile} was not found, so its Snapshots folder is unknown.");
    }
}
