package testenv

import (
	"context"
	"fmt"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"
	"github.com/testcontainers/testcontainers-go/wait"
)

// Container images used when a Docker engine answers.
const (
	postgresImage = "postgres:15-alpine"
	minioImage    = "minio/minio:RELEASE.2024-01-16T16-07-38Z"
)

// dockerAnswers reports whether a Docker engine answers within a few
// seconds. A docker client without an engine does not count.
func dockerAnswers() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	provider, err := testcontainers.NewDockerProvider()
	if err != nil {
		return false
	}
	defer provider.Close()
	return provider.Health(ctx) == nil
}

// startPostgresContainer starts PostgreSQL and returns its superuser URL.
// The container lives until the test process exits (testcontainers' reaper
// removes it).
func startPostgresContainer() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	c, err := tcpostgres.Run(ctx, postgresImage,
		tcpostgres.WithDatabase("postgres"),
		tcpostgres.WithUsername("postgres"),
		tcpostgres.WithPassword("postgres"),
		tcpostgres.BasicWaitStrategies(),
	)
	if err != nil {
		return "", fmt.Errorf("start PostgreSQL container: %w", err)
	}
	return c.ConnectionString(ctx, "sslmode=disable")
}

// startMinIOContainer starts MinIO with generated credentials.
func startMinIOContainer() (S3Server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	user, pass := randomName("u"), randomName("p")
	c, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:        minioImage,
			Cmd:          []string{"server", "/data"},
			Env:          map[string]string{"MINIO_ROOT_USER": user, "MINIO_ROOT_PASSWORD": pass},
			ExposedPorts: []string{"9000/tcp"},
			WaitingFor:   wait.ForHTTP("/minio/health/live").WithPort("9000/tcp"),
		},
		Started: true,
	})
	if err != nil {
		return S3Server{}, fmt.Errorf("start MinIO container: %w", err)
	}
	endpoint, err := c.PortEndpoint(ctx, "9000/tcp", "http")
	if err != nil {
		return S3Server{}, fmt.Errorf("MinIO endpoint: %w", err)
	}
	return S3Server{Endpoint: endpoint, AccessKey: user, SecretKey: pass, Region: "us-east-1"}, nil
}
