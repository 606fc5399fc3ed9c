import { useImages, useLinks, useVms } from '../api/hooks.ts';
import { ClassificationBadge, StatusBadge } from '../components/badges.tsx';
import { ListStatus } from '../components/problem-view.tsx';

/** The tenant's images (from VMs or copies) and links (permitted flows between VMs or to a network). */
export function ImagesLinks() {
  const images = useImages();
  const items = images.data?.items ?? [];
  // The list ends with the catalogue's public images (read-only, every tenant's): shown apart.
  const own = items.flatMap((image) => ('visibility' in image ? [] : [image]));
  const shared = items.flatMap((image) => ('visibility' in image ? [image] : []));
  const links = useLinks();
  const vmName = new Map((useVms().data?.items ?? []).map((vm) => [vm.id, vm.name]));
  const vm = (id: string) => vmName.get(id) ?? <code>{id}</code>;
  return (
    <>
      <h1>Images and links</h1>
      <h2>Images</h2>
      <ListStatus query={images} what="images" empty="No images." />
      {images.data && own.length === 0 ? <p className="muted">No images of your own.</p> : null}
      {own.length ? (
        <div className="table-scroll">
          <table aria-label="Images">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Class</th>
                <th scope="col">Status</th>
                <th scope="col">From</th>
                <th scope="col">Target</th>
              </tr>
            </thead>
            <tbody>
              {own.map((image) => (
                <tr key={image.id} data-testid="image-row">
                  <td>{image.name}</td>
                  <td>
                    <ClassificationBadge value={image.classification} />
                  </td>
                  <td>
                    <StatusBadge value={image.status} />
                  </td>
                  <td>
                    {image.source.kind === 'vm' ? (
                      <>VM {vm(image.source.vmId)}</>
                    ) : (
                      <>
                        copy of <code>{image.source.imageId}</code>
                      </>
                    )}
                  </td>
                  <td>{image.placement.targetId}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {shared.length ? (
        <p data-testid="public-images">
          Public images (read-only):{' '}
          {shared.map((image) => (
            <code key={image.id} title={image.description}>
              {image.id}
            </code>
          ))}
        </p>
      ) : null}
      <h2>Links</h2>
      <ListStatus query={links} what="links" empty="No links." />
      {links.data?.items.length ? (
        <div className="table-scroll">
          <table aria-label="Links">
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Port</th>
                <th scope="col">Status</th>
                <th scope="col">Permitted by</th>
              </tr>
            </thead>
            <tbody>
              {links.data.items.map((link) => (
                <tr key={link.id} data-testid="link-row">
                  <td>{'vmId' in link.from ? vm(link.from.vmId) : <code>{link.from.cidr}</code>}</td>
                  <td>{'vmId' in link.to ? vm(link.to.vmId) : <code>{link.to.cidr}</code>}</td>
                  <td>
                    {link.protocol}
                    {link.ports
                      ? `/${link.ports.from}${link.ports.to === link.ports.from ? '' : `-${link.ports.to}`}`
                      : ''}
                  </td>
                  <td>
                    <StatusBadge value={link.status} />
                    {link.fault ? <div className="field-error">{link.fault}</div> : null}
                  </td>
                  <td>
                    {link.policies.map((p) => (
                      <code key={p} className="policy-id">
                        {p}
                      </code>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
