using System.Security.Claims;
using CtBone.Store;
using Microsoft.AspNetCore.Http;

namespace CtBone.Api;

/// <summary>Writes who read which patient data, from the caller's key, before the data leaves the service.</summary>
public sealed class AuditTrail(AuditLog log, TimeProvider clock)
{
    public Task RecordAsync(HttpContext context, string action, string? resource, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return log.WriteAsync(
            new AuditEntry
            {
                At = clock.GetUtcNow(),
                Actor = context.User.FindFirstValue(ClaimTypes.Name) ?? "anonymous",
                Role = context.User.FindFirstValue(ClaimTypes.Role) ?? "none",
                Action = action,
                Resource = resource,
                Detail = detail,
                RemoteAddress = context.Connection.RemoteIpAddress?.ToString(),
            },
            context.RequestAborted);
    }
}
