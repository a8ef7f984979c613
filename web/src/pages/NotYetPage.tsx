import { MessageBar, MessageBarBody, MessageBarTitle, Title2 } from "@fluentui/react-components";

/** An honest page for parts of the product that are not built yet. */
export function NotYetPage(props: { title: string; missing?: boolean }) {
  return (
    <section>
      <Title2 as="h1">{props.title}</Title2>
      <MessageBar intent="info" style={{ marginTop: 16 }}>
        <MessageBarBody>
          <MessageBarTitle>{props.missing ? "No such page" : "Not yet available"}</MessageBarTitle>
          {props.missing
            ? "Use the navigation on the left."
            : "This page comes with a later release of Panoptes. Advanced hunting and Settings work today."}
        </MessageBarBody>
      </MessageBar>
    </section>
  );
}
