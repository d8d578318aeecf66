package backup

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// maxManifestSize bounds what is read of a manifest: a backup's manifest
// is a few kilobytes.
const maxManifestSize = 16 << 20

// Latest names the newest complete backup wherever a backup id is taken.
const Latest = "latest"

// Info describes a complete backup (one with a manifest), as List finds
// it. Its manifest is read but not authenticated: that takes
// ENCRYPTION_KEY, and Restore does it.
type Info struct {
	ID       string
	Time     time.Time // when it started, from its id
	Manifest Manifest  // zero when Problem is set
	Problem  error     // the manifest could not be read or parsed
}

// run is every object stored under one backup id, and for Prune the
// unfinished uploads under it.
type run struct {
	id      string
	time    time.Time
	objects []ObjectInfo
	pending []PendingUpload
}

// complete reports whether the run's manifest was written.
func (r run) complete() bool {
	return slices.ContainsFunc(r.objects, func(o ObjectInfo) bool {
		return o.Name == objectPath(r.id, manifestName)
	})
}

// runs lists the objects of dest by backup id, newest first. Objects
// that belong to no backup (tombstones, strangers) are left out.
func runs(ctx context.Context, dest Destination) ([]run, error) {
	objects, err := dest.List(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dest, err)
	}
	return groupRuns(objects, nil), nil
}

// groupRuns groups objects and pending uploads by backup id, the first
// element of their names, newest first. Names under no backup id are
// left out.
func groupRuns(objects []ObjectInfo, pending []PendingUpload) []run {
	byID := map[string]*run{}
	runOf := func(name string) *run {
		id, _, ok := strings.Cut(name, "/")
		t, isID := idTime(id)
		if !ok || !isID {
			return nil
		}
		if byID[id] == nil {
			byID[id] = &run{id: id, time: t}
		}
		return byID[id]
	}
	for _, o := range objects {
		if r := runOf(o.Name); r != nil {
			r.objects = append(r.objects, o)
		}
	}
	for _, u := range pending {
		if r := runOf(u.Name); r != nil {
			r.pending = append(r.pending, u)
		}
	}

	out := make([]run, 0, len(byID))
	for _, r := range byID {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b run) int { return strings.Compare(b.id, a.id) })
	return out
}

// List returns the complete backups at dest, newest first. Runs without a
// manifest (running, crashed or killed) are never listed.
func List(ctx context.Context, dest Destination) ([]Info, error) {
	all, err := runs(ctx, dest)
	if err != nil {
		return nil, err
	}

	var out []Info
	for _, r := range all {
		if !r.complete() {
			continue
		}
		info := Info{ID: r.id, Time: r.time}
		info.Manifest, info.Problem = ReadManifest(ctx, dest, r.id)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		out = append(out, info)
	}
	return out, nil
}

// Find returns the complete backup id at dest, or the newest when id is
// Latest or empty. It returns an error wrapping ErrNoBackup when there is
// none. Only that backup's manifest is read.
func Find(ctx context.Context, dest Destination, id string) (Info, error) {
	latest := id == "" || id == Latest
	if !latest {
		if err := checkID(id); err != nil {
			return Info{}, err
		}
	}
	all, err := runs(ctx, dest)
	if err != nil {
		return Info{}, err
	}

	for _, r := range all {
		if r.complete() && (latest || r.id == id) {
			info := Info{ID: r.id, Time: r.time}
			info.Manifest, info.Problem = ReadManifest(ctx, dest, r.id)
			return info, nil
		}
	}
	if latest {
		return Info{}, fmt.Errorf("%w at %s", ErrNoBackup, dest)
	}
	return Info{}, fmt.Errorf("%w %s at %s (a backup without a manifest never completed)",
		ErrNoBackup, id, dest)
}

// ReadManifest reads and parses the manifest of backup id without
// authenticating it. It returns an *ObjectError wrapping ErrNotExist when
// the backup has no manifest, and one wrapping ErrManifest when the
// manifest is damaged.
func ReadManifest(ctx context.Context, dest Destination, id string) (Manifest, error) {
	raw, err := readManifestFile(ctx, dest, id)
	if err != nil {
		return Manifest{}, err
	}
	m, _, err := parseManifest(raw, id)
	return m, err
}

func readManifestFile(ctx context.Context, dest Destination, id string) ([]byte, error) {
	rc, err := dest.Get(ctx, objectPath(id, manifestName))
	if err != nil {
		return nil, &ObjectError{Backup: id, Name: manifestName, Err: err}
	}
	defer rc.Close()

	raw, err := io.ReadAll(io.LimitReader(rc, maxManifestSize+1))
	switch {
	case err != nil:
		return nil, &ObjectError{Backup: id, Name: manifestName, Err: err}
	case len(raw) > maxManifestSize:
		return nil, manifestError(id, "too large")
	}
	return raw, nil
}
