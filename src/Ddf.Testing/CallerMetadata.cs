using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace Ddf.Testing;

/// <summary>Assembly metadata Ddf.Testing's build logic writes into test assemblies: the calling assembly's first, then any loaded one's.</summary>
internal static class CallerMetadata
{
    public static IEnumerable<string> Find(Assembly? caller, string key)
    {
        var assemblies = AppDomain.CurrentDomain.GetAssemblies().Where(a => !a.IsDynamic && a != caller);
        if (caller is not null)
            assemblies = assemblies.Prepend(caller);
        foreach (var assembly in assemblies)
        {
            IEnumerable<AssemblyMetadataAttribute> attributes;
            try
            {
                attributes = assembly.GetCustomAttributes<AssemblyMetadataAttribute>();
            }
            catch (Exception)
            {
                continue;
            }
            foreach (var attribute in attributes)
            {
                if (attribute.Key == key && !string.IsNullOrEmpty(attribute.Value))
                    yield return attribute.Value;
            }
        }
    }
}
