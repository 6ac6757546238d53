/** Thrown by a runtime when an image cannot be pulled (the pod shows ErrImagePull / ImagePullBackOff). */
export class ImagePullError extends Error {
  readonly image: string;

  constructor(image: string, cause: unknown) {
    super(
      `failed to pull image "${image}": ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'ImagePullError';
    this.image = image;
  }
}
